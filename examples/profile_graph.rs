//! Time per node of an ONNX graph as tract runs it (natively, release build), to find the slow
//! operators of a model:
//!
//!     cargo run --release --features cli --example profile_graph -- models/emotion-head.onnx 1,30,1024
//!     cargo run --release --features cli --example profile_graph -- models/emotion-trunk.onnx 1,1,64,50

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::plan::{SimpleState, eval};

#[derive(Parser)]
struct Args {
    /// The ONNX file.
    onnx: PathBuf,
    /// Its input's shape, comma-separated (e.g. 1,1,64,111).
    #[arg(value_delimiter = ',')]
    shape: Vec<usize>,
    /// Runs to average over.
    #[arg(long, default_value_t = 200)]
    runs: usize,
}

fn main() -> TractResult<()> {
    let args = Args::parse();
    let model = tract_onnx::onnx()
        .model_for_path(&args.onnx)?
        .with_input_fact(0, f32::fact(&args.shape).into())?
        .into_optimized()?;
    // The first input as given; any others (a trunk's state) as the graph declares them, zeros.
    let mut inputs: TVec<Tensor> = tvec![tract_ndarray::ArrayD::<f32>::from_elem(args.shape.clone(), 0.5).into()];
    for i in 1..model.inputs.len() {
        let shape = model.input_fact(i)?.shape.as_concrete().map(<[usize]>::to_vec);
        inputs.push(Tensor::zero::<f32>(&shape.ok_or_else(|| {
            tract_onnx::tract_core::internal::format_err!("input {i} has no fixed shape")
        })?)?);
    }
    let plan = model.into_runnable()?;
    let mut state = SimpleState::new(&plan)?;
    let mut micros = BTreeMap::<(usize, String, String), f64>::new();
    for _ in 0..args.runs {
        state.run_plan_with_eval(
            inputs.iter().cloned().map(Tensor::into_tvalue).collect(),
            |session, op_state, node, inputs| {
                let started = Instant::now();
                let outputs = eval(session, op_state, node, inputs);
                let key = (node.id, node.name.clone(), node.op.name().to_string());
                *micros.entry(key).or_default() += started.elapsed().as_secs_f64() * 1e6 / args.runs as f64;
                outputs
            },
        )?;
    }
    let mut rows: Vec<_> = micros.into_iter().collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    let total: f64 = rows.iter().map(|(_, t)| t).sum();
    println!(
        "{}: {total:.1} µs per run over {} nodes",
        args.onnx.display(),
        rows.len()
    );
    for ((id, name, op), t) in rows {
        println!("{t:9.1} µs  {id:3} {op:24} {name}");
    }
    Ok(())
}
