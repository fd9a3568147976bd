//! `voice-emotion classify`: one result per file as a table, JSON lines or CSV.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;
use voice_emotion::{Analysis, CsvWriter, Emotion, EmotionModel, Error, FileAnalysis, Report};

use crate::batch;
use crate::progress::Progress;

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
    /// Report progress on stderr even when it is not a terminal: a line per ten minutes of audio.
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
    let files = pending(args, &done)?;
    let progress = Progress::new(args.progress, || count(args, &done));
    let mut failed = 0;
    let analyze = |file: &PathBuf| {
        let result = analyze(model, file, &progress);
        progress.file_done();
        result
    };
    // Writes a file's result on stdout, or on stderr why there is none.
    let mut report = |file: PathBuf, result: Result<FileResult, Error>| {
        let FileResult { analysis, notes } = match result {
            Ok(result) => result,
            Err(e) => {
                failed += 1;
                eprintln!("voice-emotion: {}: {e}", file.display());
                return Ok(());
            }
        };
        if !notes.is_empty() {
            failed += 1;
        }
        for note in notes {
            eprintln!("voice-emotion: {}: {note}", file.display());
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
    };
    batch::for_each_ordered(batch::jobs(args.jobs), files, analyze, |file, result| {
        progress.suspend(|| report(file, result))
    })?;
    progress.finish();
    if matches!(args.format, Format::Table) {
        writeln!(out, "(? = not sure: confidence below {unsure_below})")?;
    }
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// A file's analysis, and what its reader must be told (a file cut short, judged without the reference).
struct FileResult {
    analysis: Analysis,
    notes: Vec<String>,
}

/// The files to analyse: the arguments, then the list's lines, less those an earlier run wrote.
fn pending<'a>(
    args: &'a Args,
    done: &'a HashSet<String>,
) -> Result<impl Iterator<Item = Result<PathBuf, Error>> + 'a, Error> {
    Ok(batch::file_list(&args.files, args.files_from.as_deref())?
        .filter(|file| file.as_ref().map_or(true, |f| !done.contains(&f.display().to_string()))))
}

/// How many files [`pending`] gives, by reading a list file once more (it is short beside the
/// audio it names); `None` for a list on stdin, which can be read only once.
fn count(args: &Args, done: &HashSet<String>) -> Option<u64> {
    if args.files_from.as_deref() == Some(Path::new("-")) {
        return None;
    }
    Some(pending(args, done).ok()?.map_while(Result::ok).count() as u64)
}

/// Analyses one file, reporting its progress (on a worker thread: it prints nothing else).
fn analyze(model: &EmotionModel, file: &Path, progress: &Progress) -> Result<FileResult, Error> {
    let mut analysis = FileAnalysis::open(model, file)?;
    let (mut before, mut more) = (0.0, true);
    while more {
        more = analysis.advance(progress.step())?;
        progress.analysed(file, before, analysis.seconds());
        before = analysis.seconds();
    }
    let notes = analysis.notes();
    Ok(FileResult {
        analysis: analysis.finish()?,
        notes,
    })
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
