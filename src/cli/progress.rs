//! Progress through a batch, on stderr only: one bar on a terminal (files done of the total, hours
//! of audio analysed, time left), a plain line per ten minutes of each file's audio in a log when
//! asked for (`--progress`), otherwise nothing.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// Seconds of a file's audio between two updates of the bar: its hours move through a long file.
const BAR_EVERY: f64 = 60.0;
/// Seconds of a file's audio between two lines in a log, which keeps every line.
const LINE_EVERY: f64 = 600.0;
/// How often the bar is redrawn while nothing else changes (its spinner and time left).
const TICK: Duration = Duration::from_millis(200);

/// The bar while the total is known, while it is not (a list on stdin), and once the batch is done.
const COUNTED: &str = "{bar:30} {pos}/{len} files, {audio} of audio, {eta} left";
const COUNTING: &str = "{spinner} {pos} files, {audio} of audio, {elapsed}";
const DONE: &str = "{pos} files, {audio} of audio in {elapsed}";

/// How a batch's progress is shown, chosen once for the run.
pub enum Progress {
    /// Stderr is a terminal.
    Bar {
        bar: ProgressBar,
        /// Milliseconds of audio analysed in the whole batch (updated by the workers, read when drawn).
        audio_ms: Arc<AtomicU64>,
    },
    /// `--progress` with stderr in a log.
    Lines,
    /// Neither.
    Quiet,
}

impl Progress {
    /// A bar when stderr is a terminal (`total`, asked only then: the batch's file count, `None`
    /// when unknown), lines when `asked` for, otherwise quiet.
    pub fn new(asked: bool, total: impl FnOnce() -> Option<u64>) -> Self {
        if std::io::stderr().is_terminal() {
            Self::bar(total(), ProgressDrawTarget::stderr())
        } else if asked {
            Self::Lines
        } else {
            Self::Quiet
        }
    }

    /// The bar, drawn on `target`: a spinner when the total is unknown.
    fn bar(total: Option<u64>, target: ProgressDrawTarget) -> Self {
        let audio_ms = Arc::new(AtomicU64::new(0));
        let template = if total.is_some() { COUNTED } else { COUNTING };
        let bar = ProgressBar::with_draw_target(total, target).with_style(style(template, &audio_ms));
        bar.enable_steady_tick(TICK);
        Self::Bar { bar, audio_ms }
    }

    /// Seconds of audio to analyse between two reports (without reports: the whole file at once).
    pub fn step(&self) -> f64 {
        match self {
            Self::Bar { .. } => BAR_EVERY,
            Self::Lines => LINE_EVERY,
            Self::Quiet => f64::INFINITY,
        }
    }

    /// Notes that `file`, analysed up to `before` seconds at the last report, now is up to `seconds`.
    pub fn analysed(&self, file: &Path, before: f64, seconds: f64) {
        match self {
            Self::Bar { audio_ms, .. } => {
                audio_ms.fetch_add(((seconds - before) * 1000.0).round() as u64, Ordering::Relaxed);
            }
            Self::Lines if (seconds / LINE_EVERY).floor() > (before / LINE_EVERY).floor() => {
                eprintln!("{}: {:.0} min analysed", file.display(), seconds / 60.0);
            }
            Self::Lines | Self::Quiet => {}
        }
    }

    /// Counts one more file of the batch analysed (or failed).
    pub fn file_done(&self) {
        if let Self::Bar { bar, .. } = self {
            bar.inc(1);
        }
    }

    /// Runs `print` with the bar out of the way, so what it prints (on stdout or stderr) is not
    /// mixed into the bar's line.
    pub fn suspend<R>(&self, print: impl FnOnce() -> R) -> R {
        match self {
            Self::Bar { bar, .. } => bar.suspend(print),
            Self::Lines | Self::Quiet => print(),
        }
    }

    /// Leaves the bar as a summary line: files, hours of audio, time taken.
    pub fn finish(&self) {
        if let Self::Bar { bar, audio_ms } = self {
            bar.set_style(style(DONE, audio_ms));
            bar.finish();
        }
    }
}

/// The bar's look from `template`, whose `{audio}` reads the hours analysed when drawn.
fn style(template: &str, audio_ms: &Arc<AtomicU64>) -> ProgressStyle {
    let audio_ms = Arc::clone(audio_ms);
    ProgressStyle::with_template(template)
        .expect("the bar's templates are valid")
        .with_key("audio", move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
            let hours = audio_ms.load(Ordering::Relaxed) as f64 / 3_600_000.0;
            let _ = write!(w, "{hours:.2} h");
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hidden_bar(total: Option<u64>) -> Progress {
        Progress::bar(total, ProgressDrawTarget::hidden())
    }

    #[test]
    fn the_bar_counts_files_and_the_audio_of_every_file() {
        let progress = hidden_bar(Some(3));
        let (a, b) = (Path::new("a.flac"), Path::new("b.flac"));
        progress.analysed(a, 0.0, 60.5);
        progress.analysed(b, 0.0, 3.25);
        progress.analysed(a, 60.5, 90.0);
        progress.file_done();
        progress.file_done();
        let Progress::Bar { bar, audio_ms } = &progress else {
            panic!("a bar")
        };
        assert_eq!((bar.position(), bar.length()), (2, Some(3)));
        assert_eq!(audio_ms.load(Ordering::Relaxed), 93_250);
        progress.finish();
        assert!(bar.is_finished());
    }

    #[test]
    fn an_unknown_total_is_a_spinner_with_the_count() {
        let progress = hidden_bar(None);
        progress.file_done();
        let Progress::Bar { bar, .. } = &progress else {
            panic!("a bar")
        };
        assert_eq!((bar.position(), bar.length()), (1, None));
    }
}
