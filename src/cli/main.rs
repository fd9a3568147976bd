//! `voice-emotion`: classify audio files, or evaluate the model on a labelled manifest.

mod batch;
mod classify;
mod eval;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use voice_emotion::EmotionModel;

#[derive(Parser)]
#[command(version, about = "Speech emotion recognition, on this machine: no audio leaves it.")]
struct Cli {
    /// Another model: its metadata NAME.json (or NAME.onnx beside it), which names its trunk and
    /// head ONNX files in the same folder (default: the shipped model).
    #[arg(long, global = true, value_name = "PATH")]
    model: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Tell how the speaker sounds in each file (WAV, FLAC, Ogg Vorbis, MP3).
    Classify(classify::Args),
    /// Score the model on a manifest shaped like ../shared/data/manifest.csv.
    Eval(eval::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let model = match &cli.model {
        Some(path) => EmotionModel::from_path(path),
        None => EmotionModel::shipped(),
    };
    let model = match model {
        Ok(model) => model,
        Err(e) => {
            eprintln!("voice-emotion: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Classify(args) => classify::run(&model, &args),
        Command::Eval(args) => eval::run(&model, &args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("voice-emotion: {e}");
            ExitCode::from(2)
        }
    }
}

/// A usage error the user can fix (exit status 2, like a bad argument).
fn bad_input(message: String) -> voice_emotion::Error {
    voice_emotion::Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidInput, message))
}
