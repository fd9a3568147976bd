//! `voice-emotion eval`: accuracy, unweighted average recall and confusion on a labelled manifest.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use voice_emotion::{EmotionModel, Error, analyze_file};

use crate::{bad_input, batch};

#[derive(clap::Args)]
pub struct Args {
    /// CSV with at least the columns `path` and `emotion`.
    #[arg(long)]
    manifest: PathBuf,
    /// Folder the manifest's paths are relative to.
    #[arg(long)]
    root: PathBuf,
    /// Restrict predictions to these labels (for corpora with fewer emotions), e.g. `angry,happy,sad`.
    #[arg(long, value_delimiter = ',')]
    labels: Vec<String>,
    /// Files analysed at once (default: one per core).
    #[arg(long, short)]
    jobs: Option<usize>,
}

#[derive(serde::Deserialize)]
struct Row {
    path: String,
    emotion: String,
}

pub fn run(model: &EmotionModel, args: &Args) -> Result<ExitCode, Error> {
    let labels = model.labels();
    let allowed: Vec<usize> = if args.labels.is_empty() {
        (0..labels.len()).collect()
    } else {
        args.labels
            .iter()
            .map(|l| {
                labels
                    .iter()
                    .position(|m| m == l)
                    .ok_or_else(|| bad_input(format!("--labels: unknown label {l:?}; the model knows {labels:?}")))
            })
            .collect::<Result<_, _>>()?
    };
    let mut reader =
        csv::Reader::from_path(&args.manifest).map_err(|e| bad_input(format!("{}: {e}", args.manifest.display())))?;
    let rows: Vec<Row> = reader
        .deserialize()
        .collect::<Result<_, _>>()
        .map_err(|e| bad_input(format!("{}: {e}", args.manifest.display())))?;

    // confusion[truth][prediction] over the allowed labels; a file without a prediction counts as wrong.
    let index: HashMap<&str, usize> = allowed
        .iter()
        .enumerate()
        .map(|(i, l)| (labels[*l].as_str(), i))
        .collect();
    let mut confusion = vec![vec![0usize; allowed.len()]; allowed.len()];
    let (mut unscored, mut skipped) = (vec![0usize; allowed.len()], 0);
    let scored: Vec<(usize, PathBuf)> = rows
        .iter()
        .filter_map(|row| match index.get(row.emotion.as_str()) {
            Some(&truth) => Some((truth, args.root.join(&row.path))),
            None => {
                skipped += 1;
                None
            }
        })
        .collect();
    let items = scored.into_iter().map(Ok::<_, Error>);
    let analyze = |(_, path): &(usize, PathBuf)| analyze_file(model, path);
    batch::for_each_ordered(batch::jobs(args.jobs), items, analyze, |(truth, path), result| {
        match result {
            Ok(analysis) => match analysis.overall {
                Some(overall) => {
                    let best = (0..allowed.len())
                        .max_by(|a, b| {
                            overall.probabilities[allowed[*a]].total_cmp(&overall.probabilities[allowed[*b]])
                        })
                        .expect("at least one label");
                    confusion[truth][best] += 1;
                }
                None => {
                    eprintln!("voice-emotion: {}: no speech detected", path.display());
                    unscored[truth] += 1;
                }
            },
            Err(e) => {
                eprintln!("voice-emotion: {}: {e}", path.display());
                unscored[truth] += 1;
            }
        }
        Ok(())
    })?;

    let totals: Vec<usize> = confusion
        .iter()
        .zip(&unscored)
        .map(|(r, u)| r.iter().sum::<usize>() + u)
        .collect();
    let n: usize = totals.iter().sum();
    if n == 0 {
        return Err(bad_input("no manifest row has one of the evaluated labels".into()));
    }
    let correct: usize = (0..allowed.len()).map(|i| confusion[i][i]).sum();
    let recalls: Vec<Option<f64>> = (0..allowed.len())
        .map(|i| (totals[i] > 0).then(|| confusion[i][i] as f64 / totals[i] as f64))
        .collect();
    let present: Vec<f64> = recalls.iter().flatten().copied().collect();
    let ua = present.iter().sum::<f64>() / present.len() as f64;

    println!(
        "files: {n} evaluated, {} without a prediction, {skipped} skipped (label not evaluated)",
        unscored.iter().sum::<usize>()
    );
    println!("accuracy: {:.4}", correct as f64 / n as f64);
    println!("unweighted average recall (UA): {ua:.4}");
    println!("\nper-class recall:");
    for (i, recall) in recalls.iter().enumerate() {
        let r = recall.map_or("-".to_string(), |r| format!("{r:.4}"));
        println!("  {:<10} {r:>7}  ({} files)", labels[allowed[i]], totals[i]);
    }
    println!("\nconfusion matrix (rows: truth, columns: prediction, last column: no prediction):");
    let short = |l: &str| l.chars().take(7).collect::<String>();
    print!("  {:<10}", "");
    for &l in &allowed {
        print!(" {:>7}", short(&labels[l]));
    }
    println!(" {:>7}", "none");
    for (i, row) in confusion.iter().enumerate() {
        print!("  {:<10}", labels[allowed[i]]);
        for c in row {
            print!(" {c:>7}");
        }
        println!(" {:>7}", unscored[i]);
    }
    Ok(ExitCode::SUCCESS)
}
