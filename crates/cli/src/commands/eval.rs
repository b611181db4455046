use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use lifeguard_ingest::Format;
use lifeguard_train::{eval_command, train_command, EvalArgs, TrainArgs};

use super::ingest::FormatArg;

/// Replay a labelled corpus message by message, the way the service sees it, and
/// print the metrics as one JSON object: authors {tp, fp, fn, precision, recall,
/// f0_5}, conversations {..., false_alerts_per_1000}, early {median_latency_messages,
/// speed, latency_f1}, throughput.
#[derive(clap::Args)]
pub struct Args {
    /// Corpus file: JSONL (plain or gzipped, envelopes or bare message lines) or
    /// PAN12 XML. Repeat for several files.
    #[arg(long = "input", required = true)]
    pub inputs: Vec<PathBuf>,
    /// Offender author ids, one a line (PAN12's predator list, train-predators.txt).
    #[arg(long)]
    pub predators: PathBuf,
    /// Input format; by default `.xml` is PAN12 and anything else JSONL.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Also write one JSON line per conversation: {"conversation", "alert_seq",
    /// "flagged_author"}; the metrics follow from this file alone.
    #[arg(long)]
    pub predictions: Option<PathBuf>,
    /// A model file instead of the embedded one.
    #[arg(long)]
    pub model: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let report = eval_command(&EvalArgs {
        inputs: args.inputs,
        predators: args.predators,
        format: args.format.map(|f| match f {
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Pan12 => Format::Pan12,
        }),
        predictions: args.predictions,
        model: args.model,
    })?;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &report)?;
    writeln!(out)?;
    Ok(ExitCode::SUCCESS)
}

/// Train the grooming model from the labelled corpora and write the model file,
/// with its provenance, cross-validated figures and alert threshold. Reproduces the
/// shipped `crates/risk/models/grooming.json` from `../shared/data/grooming`.
#[derive(clap::Args)]
pub struct TrainCmd {
    /// Directory with train-conversations.jsonl[.gz], train-predators.txt and
    /// optionally vtpan-validation/val_seg_en.csv.
    #[arg(long, default_value = "../shared/data/grooming")]
    pub data: PathBuf,
    /// Where to write the model.
    #[arg(long, default_value = "crates/risk/models/grooming.json")]
    pub out: PathBuf,
}

pub fn train(args: TrainCmd) -> anyhow::Result<ExitCode> {
    let report = train_command(&TrainArgs {
        data: args.data,
        out: args.out,
        options: None,
    })?;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &report)?;
    writeln!(out)?;
    Ok(ExitCode::SUCCESS)
}
