//! Many files on every core: the list read lazily (arguments, a file or stdin), the work spread
//! over a rayon pool, and the results handed back in input order as soon as each one and all
//! before it are done. At most a few files per core are in flight or waiting to be handed back,
//! so memory stays bounded however long the list.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use voice_emotion::Error;

/// Files in flight or done but not yet handed back, per worker.
const WINDOW_PER_JOB: usize = 4;

/// The worker count: `jobs`, or every core the system offers.
pub fn jobs(asked: Option<usize>) -> usize {
    asked
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1)
}

/// The files to work on: `files`, then the lines of `files_from` (`-`: stdin), one path a line
/// (empty lines skipped), read as they are needed.
pub fn file_list(
    files: &[PathBuf],
    files_from: Option<&Path>,
) -> Result<impl Iterator<Item = Result<PathBuf, Error>>, Error> {
    let lines: Box<dyn BufRead> = match files_from {
        None => Box::new(std::io::empty()),
        Some(path) if path == Path::new("-") => Box::new(BufReader::new(std::io::stdin())),
        Some(path) => Box::new(BufReader::new(File::open(path).map_err(|e| list_error(path, e))?)),
    };
    let listed = lines.lines().filter_map(|line| match line {
        Ok(line) if line.trim().is_empty() => None,
        Ok(line) => Some(Ok(PathBuf::from(line.trim_end_matches('\r')))),
        Err(e) => Some(Err(Error::Io(e))),
    });
    Ok(files.iter().cloned().map(Ok).chain(listed))
}

fn list_error(path: &Path, e: std::io::Error) -> Error {
    Error::Io(std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

/// The `file` of every complete line of an earlier run's JSON lines output (a line cut short by
/// the interruption, or one that is not a result, names nothing).
pub fn done_files(output: &Path) -> Result<HashSet<String>, Error> {
    let reader = BufReader::new(File::open(output).map_err(|e| list_error(output, e))?);
    let mut done = HashSet::new();
    for line in reader.lines() {
        if let Ok(serde_json::Value::Object(mut result)) = serde_json::from_str(&line?)
            && let Some(serde_json::Value::String(file)) = result.remove("file")
        {
            done.insert(file);
        }
    }
    Ok(done)
}

/// Runs `work` on every item on `jobs` threads and calls `emit` with each item and its result, in
/// the items' order, on the calling thread. An error in the list ends it: the items before it are
/// still handed back, then the error is returned.
pub fn for_each_ordered<I, T, E>(
    jobs: usize,
    items: impl Iterator<Item = Result<I, E>>,
    work: impl Fn(&I) -> T + Sync,
    mut emit: impl FnMut(I, T) -> Result<(), E>,
) -> Result<(), E>
where
    I: Send,
    T: Send,
    E: From<std::io::Error>,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let window = jobs * WINDOW_PER_JOB;
    let (done, results) = mpsc::channel::<(usize, I, T)>();
    let (mut waiting, mut next) = (BTreeMap::new(), 0);
    // Takes one finished item (blocking), then hands back every item that is now next in order.
    let mut take_one = |waiting: &mut BTreeMap<usize, (I, T)>, next: &mut usize| -> Result<(), E> {
        let (i, item, result) = results.recv().expect("a worker holds a sender until it has sent");
        waiting.insert(i, (item, result));
        while let Some((item, result)) = waiting.remove(next) {
            *next += 1;
            emit(item, result)?;
        }
        Ok(())
    };
    pool.in_place_scope(|scope| {
        let work = &work;
        let mut sent = 0;
        let mut list_error = None;
        for item in items {
            let item = match item {
                Ok(item) => item,
                Err(e) => {
                    list_error = Some(e);
                    break;
                }
            };
            while sent - next >= window {
                take_one(&mut waiting, &mut next)?;
            }
            let done = done.clone();
            scope.spawn(move |_| {
                let result = work(&item);
                // The receiver lives until every item is handed back.
                let _ = done.send((sent, item, result));
            });
            sent += 1;
        }
        // What was started is finished and handed back even when the list breaks off.
        while next < sent {
            take_one(&mut waiting, &mut next)?;
        }
        list_error.map_or(Ok(()), Err)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_whatever_the_work_takes() {
        let items = (0..200u64).map(Ok::<_, std::io::Error>);
        let mut seen = Vec::new();
        for_each_ordered(
            4,
            items,
            |i| {
                // Later items finish first.
                std::thread::sleep(std::time::Duration::from_micros(200 - i));
                i * 2
            },
            |i, doubled| {
                seen.push((i, doubled));
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, (0..200).map(|i| (i, i * 2)).collect::<Vec<_>>());
    }

    #[test]
    fn a_bad_item_in_the_list_stops_the_run_with_its_error() {
        let items = vec![Ok(1), Err(std::io::Error::other("unreadable list")), Ok(3)].into_iter();
        let mut seen = Vec::new();
        let err = for_each_ordered(
            2,
            items,
            |i| *i,
            |i, _| {
                seen.push(i);
                Ok(())
            },
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "unreadable list");
        assert_eq!(seen, [1]);
    }
}
