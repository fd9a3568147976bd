//! `voice-emotion classify`: one result per file as a table, JSON lines or CSV.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;
use voice_emotion::{Analysis, CsvWriter, Emotion, EmotionModel, Error, FileAnalysis, Report};

use crate::batch;

#[derive(clap::Args)]
pub struct Args {
    /// Audio files to classify.
    #[arg(required_unless_present = "files_from")]
    files: Vec<PathBuf>,
    /// Also classify the files listed in FILE, one path a line (`-`: standard input).
    #[arg(long, value_name = "FILE")]
    files_from: Option<PathBuf>,
    /// Files analysed at once (default: one per core).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Skip the files already in OUT, the JSON lines output of an interrupted run (append the new
    /// results to it).
    #[arg(long, value_name = "OUT")]
    resume: Option<PathBuf>,
    /// Output format (JSON lines and CSV: the schema in the README's "Results").
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

/// Analyses each file in turn; a failed file is reported on stderr and the rest go on. A file
/// cut short is reported for the part that is there, with a line on stderr saying so.
pub fn run(model: &EmotionModel, args: &Args) -> Result<ExitCode, Error> {
    // Before any output: a usage error prints nothing on stdout.
    if args.resume.is_some() && !matches!(args.format, Format::Jsonl) {
        return Err(crate::bad_input(
            "--resume reads JSON lines: use it with --format jsonl".into(),
        ));
    }
    let labels = model.labels();
    let unsure_below = model.metadata().decision.unsure_below;
    let mut out = std::io::stdout().lock();
    let mut csv = match args.format {
        Format::Csv => Some(CsvWriter::new(std::io::stdout(), labels, args.timeline)?),
        Format::Table => {
            writeln!(out, "{:<10} {:>10} {:>8}  FILE", "EMOTION", "CONFIDENCE", "SPEECH")?;
            None
        }
        Format::Jsonl => None,
    };
    let jobs = batch::jobs(args.jobs);
    let progress = Progress::new(args.progress, jobs);
    let done = match &args.resume {
        Some(output) => batch::done_files(output)?,
        None => HashSet::new(),
    };
    if !done.is_empty() {
        eprintln!(
            "voice-emotion: resuming: {} files already in the output are skipped",
            done.len()
        );
    }
    let files = batch::file_list(&args.files, args.files_from.as_deref())?
        .filter(|file| file.as_ref().map_or(true, |f| !done.contains(&f.display().to_string())));
    let mut failed = 0;
    let analyze = |file: &PathBuf| analyze(model, file, progress.as_ref());
    batch::for_each_ordered(jobs, files, analyze, |file, result| {
        let FileResult { analysis, truncation } = match result {
            Ok(result) => result,
            Err(e) => {
                failed += 1;
                eprintln!("voice-emotion: {}: {e}", file.display());
                return Ok(());
            }
        };
        if let Some(cut) = truncation {
            failed += 1;
            eprintln!("voice-emotion: {}: {cut}", file.display());
        }
        let Some(overall) = &analysis.overall else {
            failed += 1;
            eprintln!(
                "voice-emotion: {}: no speech detected in {:.1} s of audio",
                file.display(),
                analysis.duration
            );
            return Ok(());
        };
        let name = file.display().to_string();
        let report = Report {
            file: &name,
            analysis: &analysis,
            labels,
        };
        match (args.format, csv.as_mut()) {
            (Format::Table, _) => write_table(&mut out, &file, &analysis, overall, unsure_below, args.timeline)?,
            (Format::Jsonl, _) => writeln!(out, "{}", report.json(args.timeline))?,
            (Format::Csv, Some(csv)) => csv.write(&report)?,
            (Format::Csv, None) => unreachable!("the CSV writer exists for CSV output"),
        }
        Ok::<_, Error>(())
    })?;
    if matches!(args.format, Format::Table) {
        writeln!(out, "(? = not sure: confidence below {unsure_below})")?;
    }
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// A file's analysis, and what is missing from it when the file was cut short.
struct FileResult {
    analysis: Analysis,
    truncation: Option<String>,
}

/// Analyses one file, reporting progress (on a worker thread: it prints nothing else).
fn analyze(model: &EmotionModel, file: &Path, progress: Option<&Progress>) -> Result<FileResult, Error> {
    let mut analysis = FileAnalysis::open(model, file)?;
    let every = progress.map_or(f64::INFINITY, |p| p.every);
    let mut reports = 0u32;
    loop {
        let more = analysis.advance(every)?;
        if let Some(p) = progress
            && analysis.seconds() >= every * f64::from(reports + 1)
        {
            reports += 1;
            p.report(file, analysis.seconds());
        }
        if !more {
            break;
        }
    }
    if reports > 0 && progress.is_some_and(|p| p.terminal) {
        eprintln!();
    }
    let truncation = analysis.truncation();
    Ok(FileResult {
        analysis: analysis.finish()?,
        truncation,
    })
}

/// Progress through long files: every minute of audio on a terminal (one line, rewritten while one
/// file is analysed at a time), every ten minutes as separate lines when asked for elsewhere (a log
/// keeps them all).
struct Progress {
    terminal: bool,
    /// Seconds of audio between reports.
    every: f64,
}

impl Progress {
    /// `None` when progress is neither asked for nor going to a terminal.
    fn new(asked: bool, jobs: usize) -> Option<Self> {
        let terminal = std::io::stderr().is_terminal();
        (terminal || asked).then_some(Self {
            terminal: terminal && jobs == 1,
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
