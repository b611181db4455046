//! `[LG_MODEL=FILE] cargo run --release -p lifeguard-train --example eval -- PREDATORS OUT_PREDICTIONS INPUT...`
use lifeguard_train::{eval_command, EvalArgs};
fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 4 {
        eprintln!("usage: eval PREDATORS OUT_PREDICTIONS INPUT...");
        std::process::exit(2);
    }
    let args = EvalArgs {
        inputs: a[3..].iter().map(Into::into).collect(),
        predators: a[1].clone().into(),
        format: None,
        predictions: Some(a[2].clone().into()),
        // LG_MODEL: a model file to use instead of the embedded one.
        model: std::env::var_os("LG_MODEL").map(Into::into),
    };
    match eval_command(&args) {
        Ok(v) => println!("{}", serde_json::to_string_pretty(&v).unwrap()),
        Err(e) => {
            eprintln!("eval: {e}");
            std::process::exit(1);
        }
    }
}
