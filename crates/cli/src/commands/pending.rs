use std::process::ExitCode;

/// Arguments of a subcommand that is not built yet: it takes anything and says so.
#[derive(clap::Args)]
pub struct Args {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    rest: Vec<String>,
}

pub fn run(name: &str, issue: u32) -> anyhow::Result<ExitCode> {
    eprintln!("lifeguard {name}: not built yet (tracked in issue {issue}); nothing was done.");
    Ok(ExitCode::from(2))
}
