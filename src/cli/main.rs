//! `voice-emotion`: classify audio files, or evaluate the model on a labelled manifest.

mod batch;
mod classify;
mod eval;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use voice_emotion::{EmotionModel, ReferenceRecorder};

#[derive(Parser)]
#[command(version, about = "Speech emotion recognition, on this machine: no audio leaves it.")]
struct Cli {
    /// Another model: its metadata NAME.json (or NAME.onnx beside it), which names its trunk and
    /// head ONNX files in the same folder (default: the shipped model).
    #[arg(long, global = true, value_name = "PATH")]
    model: Option<PathBuf>,
    /// A recording of the speaker's everyday voice (5 to 60 s in all, most of it speech, through
    /// the same microphone and room as the files): every file is then judged against that voice
    /// rather than the voices the model was trained on. Repeat it for several recordings of the
    /// same voice. Only for a model that takes a reference. A recording that cannot be one is
    /// reported; the files are then judged without it and the exit status is 1.
    #[arg(long, global = true, value_name = "FILE")]
    reference: Vec<PathBuf>,
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
    let (model, reference_failed) = match with_reference(&model, &cli.reference) {
        Ok(judged) => (judged, false),
        Err(e) => {
            eprintln!("voice-emotion: {e}; judging without a reference");
            (model, true)
        }
    };
    let result = match cli.command {
        Command::Classify(args) => classify::run(&model, &args),
        Command::Eval(args) => eval::run(&model, &args),
    };
    match result {
        Ok(_) if reference_failed => ExitCode::from(1),
        Ok(code) => code,
        Err(e) => {
            eprintln!("voice-emotion: {e}");
            ExitCode::from(2)
        }
    }
}

/// The model judging against the reference these recordings make, if any are given.
fn with_reference(model: &EmotionModel, recordings: &[PathBuf]) -> Result<EmotionModel, String> {
    if recordings.is_empty() {
        return Ok(model.clone());
    }
    let mut recorder = ReferenceRecorder::new(model).map_err(|e| format!("--reference: {e}"))?;
    for path in recordings {
        recorder
            .add_file(path)
            .map_err(|e| format!("--reference {}: {e}", path.display()))?;
    }
    let reference = recorder.finish().map_err(|e| format!("--reference: {e}"))?;
    model
        .with_reference(Some(&reference))
        .map_err(|e| format!("--reference: {e}"))
}

/// A usage error the user can fix (exit status 2, like a bad argument).
fn bad_input(message: String) -> voice_emotion::Error {
    voice_emotion::Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidInput, message))
}
