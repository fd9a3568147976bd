//! `voice-emotion classify`: one result per file as a table, JSON lines or CSV.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;
use serde_json::json;
use voice_emotion::{Analysis, Emotion, EmotionModel, Error, analyze_file};

#[derive(clap::Args)]
pub struct Args {
    /// Audio files to classify.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also list the segments of each file, with their emotion.
    #[arg(long)]
    timeline: bool,
    /// Report progress through long files on stderr even when it is not a terminal.
    #[arg(long)]
    progress: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Jsonl,
    Csv,
}

/// Analyses each file in turn; a failed file is reported on stderr and the rest go on.
pub fn run(model: &EmotionModel, args: &Args) -> Result<ExitCode, Error> {
    let labels = model.labels();
    let unsure_below = model.metadata().decision.unsure_below;
    let mut out = std::io::stdout().lock();
    let mut csv = csv::Writer::from_writer(std::io::stdout());
    match args.format {
        Format::Table => writeln!(out, "{:<10} {:>10} {:>8}  FILE", "EMOTION", "CONFIDENCE", "SPEECH")?,
        Format::Csv => {
            let mut header: Vec<&str> = vec!["file"];
            if args.timeline {
                header.extend(["start", "end"]);
            }
            header.extend(["label", "confidence"]);
            header.extend(labels.iter().map(String::as_str));
            if !args.timeline {
                header.push("speech_seconds");
            }
            csv.write_record(&header).map_err(csv_error)?;
        }
        Format::Jsonl => {}
    }
    let progress = Progress::new(args.progress);
    let mut failed = 0;
    for file in &args.files {
        let mut reports = 0u32;
        let result = analyze_file(model, file, |seconds| {
            if let Some(p) = &progress
                && seconds >= p.every * f64::from(reports + 1)
            {
                reports += 1;
                p.report(file, seconds);
            }
        });
        if progress.as_ref().is_some_and(|p| p.terminal) && reports > 0 {
            eprintln!();
        }
        let (analysis, overall) = match result {
            Ok(a) => match a.overall.clone() {
                Some(overall) => (a, overall),
                None => {
                    failed += 1;
                    eprintln!(
                        "voice-emotion: {}: no speech detected in {:.1} s of audio",
                        file.display(),
                        a.duration
                    );
                    continue;
                }
            },
            Err(e) => {
                failed += 1;
                eprintln!("voice-emotion: {}: {e}", file.display());
                continue;
            }
        };
        match args.format {
            Format::Table => write_table(&mut out, file, &analysis, &overall, unsure_below, args.timeline)?,
            Format::Jsonl => {
                let mut line = json!({
                    "file": file.display().to_string(),
                    "label": overall.label,
                    "confidence": overall.confidence,
                    "probabilities": by_label(labels, &overall),
                    "speech_seconds": analysis.speech_seconds,
                });
                if args.timeline {
                    line["timeline"] = serde_json::to_value(&analysis.timeline).expect("plain data");
                }
                writeln!(out, "{line}")?;
            }
            Format::Csv if args.timeline => {
                for seg in &analysis.timeline {
                    let mut row = vec![
                        file.display().to_string(),
                        format!("{:.2}", seg.start),
                        format!("{:.2}", seg.end),
                    ];
                    row.extend(emotion_columns(seg.emotion.as_ref(), labels.len()));
                    csv.write_record(&row).map_err(csv_error)?;
                }
            }
            Format::Csv => {
                let mut row = vec![file.display().to_string()];
                row.extend(emotion_columns(Some(&overall), labels.len()));
                row.push(format!("{:.2}", analysis.speech_seconds));
                csv.write_record(&row).map_err(csv_error)?;
            }
        }
        csv.flush()?;
    }
    if matches!(args.format, Format::Table) {
        writeln!(out, "(? = not sure: confidence below {unsure_below})")?;
    }
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Progress through long files: every minute of audio on a terminal (one line, rewritten), every
/// ten minutes as separate lines when asked for elsewhere (a log keeps them all).
struct Progress {
    terminal: bool,
    /// Seconds of audio between reports.
    every: f64,
}

impl Progress {
    /// `None` when progress is neither asked for nor going to a terminal.
    fn new(asked: bool) -> Option<Self> {
        let terminal = std::io::stderr().is_terminal();
        (terminal || asked).then_some(Self {
            terminal,
            every: if terminal { 60.0 } else { 600.0 },
        })
    }

    fn report(&self, file: &Path, seconds: f64) {
        let line = format!("{}: {:.0} min analysed", file.display(), seconds / 60.0);
        if self.terminal {
            eprint!("\r{line}");
        } else {
            eprintln!("{line}");
        }
    }
}

fn write_table(
    out: &mut impl Write,
    file: &Path,
    a: &Analysis,
    overall: &Emotion,
    unsure_below: f32,
    timeline: bool,
) -> std::io::Result<()> {
    let label = if overall.is_sure(unsure_below) {
        overall.label.clone()
    } else {
        format!("{}?", overall.label)
    };
    writeln!(
        out,
        "{label:<10} {:>10.2} {:>6.1} s  {}",
        overall.confidence,
        a.speech_seconds,
        file.display()
    )?;
    if timeline {
        for seg in &a.timeline {
            let what = seg.emotion.as_ref().map_or("(no speech)".to_string(), |e| {
                format!("{} {:.2}", e.label, e.confidence)
            });
            writeln!(out, "    {:>7.2} - {:>7.2} s  {what}", seg.start, seg.end)?;
        }
    }
    Ok(())
}

/// `{"neutral": p, ...}` in label order.
fn by_label(labels: &[String], e: &Emotion) -> serde_json::Map<String, serde_json::Value> {
    labels
        .iter()
        .zip(&e.probabilities)
        .map(|(l, p)| (l.clone(), json!(p)))
        .collect()
}

/// label, confidence, then one probability per label (empty when nobody speaks).
fn emotion_columns(e: Option<&Emotion>, n_labels: usize) -> Vec<String> {
    match e {
        Some(e) => [e.label.clone(), format!("{:.4}", e.confidence)]
            .into_iter()
            .chain(e.probabilities.iter().map(|p| format!("{p:.4}")))
            .collect(),
        None => vec![String::new(); 2 + n_labels],
    }
}

fn csv_error(e: csv::Error) -> Error {
    Error::Io(std::io::Error::other(e))
}
