//! The emotion classifier: a stateful trunk and a head (two ONNX files) run by tract, and the metadata
//! that describes them.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use tract_onnx::prelude::*;

use crate::error::{Error, Result, guard_panics};
use crate::metadata::ModelMetadata;
use crate::normalize::NormalizedFrames;
use crate::reference::{Reference, params};

/// The shipped int8 model's metadata and its two parts, embedded so the CLI and the page need no files
/// (the metadata as build.rs writes it: compact, without the `metrics` the runtime never reads).
pub const DEFAULT_METADATA: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/emotion.json"));
pub const DEFAULT_TRUNK: &[u8] = include_bytes!("../models/emotion-trunk.onnx");
pub const DEFAULT_HEAD: &[u8] = include_bytes!("../models/emotion-head.onnx");

/// The trunk's steps `[channels, bands, steps]` (channel-major, as the graph lays them out).
#[derive(Debug, Clone, PartialEq)]
pub struct Steps {
    pub values: Vec<f32>,
    pub count: usize,
}

impl Steps {
    /// The values of step `t`, one per (channel, band).
    pub fn step(&self, t: usize) -> impl Iterator<Item = f32> + '_ {
        self.values.iter().skip(t).step_by(self.count).copied()
    }

    /// The values of the last `n` steps, one step after another (as the head takes them).
    fn last(&self, n: usize) -> Vec<f32> {
        (self.count - n..self.count).flat_map(|t| self.step(t)).collect()
    }
}

/// What the trunk carries from one call to the next: the last input frames of each layer that looks
/// back in time (the trunk graph's inputs after its first, fed back from its outputs after its first).
#[derive(Debug, Clone)]
pub struct TrunkState(Vec<Tensor>);

/// A loaded, optimized model. The trunk is planned twice: for one hop's frames (the live path) and for
/// a window and the frames that prime its state (a window that does not end on a hop; planned on first
/// use, so that loading for live use optimizes one trunk graph). Cloning shares the plans.
#[derive(Clone)]
pub struct EmotionModel {
    trunk_hop: Arc<TypedSimplePlan>,
    trunk_window: Arc<LazyPlan>,
    head: Arc<TypedSimplePlan>,
    metadata: Arc<ModelMetadata>,
    /// The trunk's output: channels and bands per step.
    channels: usize,
    bands: usize,
    /// The trunk's state after silence: a stream's first.
    silent: TrunkState,
    /// The speaker's everyday voice, and what it moves each band by (`Reference::offset`).
    reference: Option<(Arc<Reference>, Arc<[f32]>)>,
}

impl std::fmt::Debug for EmotionModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmotionModel")
            .field("labels", &self.metadata.labels)
            .finish_non_exhaustive()
    }
}

fn model_error(e: TractError) -> Error {
    Error::Model(format!("{e:#}"))
}

/// Parses ONNX bytes (a parser panic on malformed bytes becomes an error).
fn parse(what: &str, onnx: &[u8]) -> Result<InferenceModel> {
    let cannot_load = |e: String| Error::Model(format!("cannot load the {what}: {e}"));
    guard_panics(
        || {
            tract_onnx::onnx()
                .model_for_read(&mut &onnx[..])
                .map_err(|e| cannot_load(format!("{e:#}")))
        },
        |e| cannot_load(format!("the file is malformed ({e})")),
    )
}

/// The typed graph of `model` for a first input of `shape` (the others as the graph declares them).
fn typed(what: &str, model: InferenceModel, shape: &[usize]) -> Result<TypedModel> {
    let cannot_load = |e: String| Error::Model(format!("cannot load the {what} for input {shape:?}: {e}"));
    guard_panics(
        || {
            model
                .with_input_fact(0, f32::fact(shape).into())
                .and_then(|m| m.into_typed())
                .map_err(|e| cannot_load(format!("{e:#}")))
        },
        |e| cannot_load(format!("the file is malformed ({e})")),
    )
}

fn output_shape(model: &TypedModel, output: usize) -> Result<Option<Vec<usize>>> {
    Ok(model
        .output_fact(output)
        .map_err(model_error)?
        .shape
        .as_concrete()
        .map(<[usize]>::to_vec))
}

/// An optimized plan of a typed graph, whose output must be `expected`.
fn plan(what: &str, model: TypedModel, expected: &[usize]) -> Result<Arc<TypedSimplePlan>> {
    check_output(what, &model, expected)?;
    optimize(what, model)
}

fn check_output(what: &str, model: &TypedModel, expected: &[usize]) -> Result<()> {
    let output = output_shape(model, 0)?;
    if output.as_deref() != Some(expected) {
        let input = model.input_fact(0).map_err(model_error)?.shape.clone();
        return Err(Error::Model(format!(
            "the {what} outputs {output:?} for input {input:?}, but the metadata implies {expected:?}"
        )));
    }
    Ok(())
}

/// A checked graph, optimized when first run.
struct LazyPlan {
    graph: TypedModel,
    plan: OnceLock<std::result::Result<Arc<TypedSimplePlan>, String>>,
}

impl LazyPlan {
    fn get(&self) -> Result<&Arc<TypedSimplePlan>> {
        self.plan
            .get_or_init(|| optimize("trunk", self.graph.clone()).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| Error::Model(e.clone()))
    }
}

fn optimize(what: &str, model: TypedModel) -> Result<Arc<TypedSimplePlan>> {
    let optimized = guard_panics(
        || model.into_optimized().map_err(model_error),
        |e| Error::Model(format!("cannot optimize the {what} ({e})")),
    )?;
    optimized.into_runnable().map_err(model_error)
}

impl EmotionModel {
    /// The model shipped in `models/`.
    pub fn shipped() -> Result<Self> {
        Self::from_bytes(DEFAULT_METADATA, DEFAULT_TRUNK, DEFAULT_HEAD)
    }

    /// Loads `NAME.json` (given, or beside a given `NAME.onnx`) and the trunk and head it names.
    pub fn from_path(path: &Path) -> Result<Self> {
        let json = match path.extension() {
            Some(ext) if ext == "onnx" => path.with_extension("json"),
            _ => path.to_path_buf(),
        };
        let read =
            |p: &Path| std::fs::read(p).map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", p.display())));
        let metadata = ModelMetadata::from_json(&read(&json)?)?;
        let dir = json.parent().unwrap_or(Path::new(""));
        let (trunk, head) = (
            read(&dir.join(&metadata.stream.trunk))?,
            read(&dir.join(&metadata.stream.head))?,
        );
        Self::load(metadata, &trunk, &head)
    }

    /// Loads a model from its metadata JSON and the bytes of its trunk and head ONNX files, checking
    /// that they agree.
    pub fn from_bytes(metadata_json: &[u8], trunk: &[u8], head: &[u8]) -> Result<Self> {
        Self::load(ModelMetadata::from_json(metadata_json)?, trunk, head)
    }

    fn load(metadata: ModelMetadata, trunk: &[u8], head: &[u8]) -> Result<Self> {
        let (w, s) = (metadata.window, &metadata.stream);
        let n_mels = metadata.frontend.n_mels;
        let trunk = parse("trunk", trunk)?;
        // A trunk without state (an older format's) would run a hop's frames without their context.
        if trunk.inputs.len() < 2 && s.context_frames > 0 {
            return Err(Error::Model(format!(
                "cannot load the trunk: it has no state inputs, but its steps look back {} frames, which \
                 it must carry from one hop to the next (models/METADATA.md)",
                s.context_frames
            )));
        }
        let input = |frames: usize| [1, 1, n_mels, frames];
        let window_chunk = w.frames + priming_frames(&metadata);
        // The trunk's channels and bands, and its state's shapes, from its graph for one window.
        let trunk_for_window = typed("trunk", trunk.clone(), &input(window_chunk))?;
        let out = output_shape(&trunk_for_window, 0)?;
        let Some(&[1, channels, bands, _]) = out.as_deref() else {
            return Err(Error::Model(format!(
                "the trunk outputs {out:?}, not [1, channels, bands, steps]"
            )));
        };
        let zero_state = state_shapes(&trunk_for_window)?
            .iter()
            .map(|shape| Tensor::zero::<f32>(shape).map_err(model_error))
            .collect::<Result<Vec<_>>>()?;
        let steps = |frames: usize| [1, channels, bands, frames / s.step_frames];
        let trunk_hop = plan(
            "trunk",
            typed("trunk", trunk, &input(w.hop_frames))?,
            &steps(w.hop_frames),
        )?;
        check_output("trunk", &trunk_for_window, &steps(window_chunk))?;
        let trunk_window = Arc::new(LazyPlan {
            graph: trunk_for_window,
            plan: OnceLock::new(),
        });
        let window = [1, s.window_steps, channels * bands];
        let head = typed("head", parse("head", head)?, &window)?;
        let head = plan("head", head, &[1, metadata.labels.len()])?;
        let mut model = Self {
            trunk_hop,
            trunk_window,
            head,
            metadata: Arc::new(metadata),
            channels,
            bands,
            silent: TrunkState(zero_state),
            reference: None,
        };
        // The state after silence: whatever it began as, the trunk forgets it in `priming_hops` hops.
        let silence = model.silent_frames(w.hop_frames);
        let mut state = model.silent_state();
        for _ in 0..model.priming_hops() {
            model.trunk(&mut state, &silence, w.hop_frames)?;
        }
        model.silent = state;
        Ok(model)
    }

    pub fn metadata(&self) -> &ModelMetadata {
        &self.metadata
    }

    /// This model comparing every voice with `reference` (the speaker's everyday voice), or with
    /// the training voices again (`None`). Shares the loaded graphs.
    pub fn with_reference(&self, reference: Option<&Reference>) -> Result<Self> {
        let reference = match reference {
            None => None,
            Some(r) => {
                let checked = Reference::from_shape(self, r.shape().to_vec())?;
                let offset = checked.offset(params(&self.metadata)?);
                Some((Arc::new(checked), offset.into()))
            }
        };
        Ok(Self {
            reference,
            ..self.clone()
        })
    }

    /// The reference voice this model compares with, if any.
    pub fn reference(&self) -> Option<&Reference> {
        self.reference.as_ref().map(|(r, _)| &**r)
    }

    /// Per band, what the normalization subtracts from a real frame for the reference voice.
    pub(crate) fn reference_offset(&self) -> Option<&[f32]> {
        self.reference.as_ref().map(|(_, offset)| &**offset)
    }

    pub fn labels(&self) -> &[String] {
        &self.metadata.labels
    }

    /// Values per trunk step: channels x bands.
    pub fn step_size(&self) -> usize {
        self.channels * self.bands
    }

    /// The trunk's state after silence, a stream's first.
    pub fn silent_state(&self) -> TrunkState {
        self.silent.clone()
    }

    /// Hops the trunk must run on before its steps depend only on frames it was given: its context,
    /// rounded up to hops.
    pub fn priming_hops(&self) -> usize {
        let m = &self.metadata;
        m.stream.context_frames.div_ceil(m.window.hop_frames)
    }

    /// `frames` normalized frames of silence, laid out band-major.
    pub fn silent_frames(&self, frames: usize) -> Vec<f32> {
        let mut input = vec![0.0; frames * self.metadata.frontend.n_mels];
        NormalizedFrames::new(&self.metadata, frames, None).lay_out(0..frames, &mut input);
        input
    }

    /// The whole-window input for the stream of dB frames given (oldest first): each frame normalized
    /// with the history before it, the last window plus context laid out band-major, the floor before
    /// the stream's start (`models/METADATA.md`).
    pub fn window_input<'a>(&self, frames: impl IntoIterator<Item = &'a [f32]>) -> Vec<f32> {
        let meta = &*self.metadata;
        let width = meta.window.frames + meta.stream.context_frames;
        let mut kept = NormalizedFrames::new(meta, width, self.reference_offset());
        frames.into_iter().for_each(|db| kept.push(db));
        let mut input = vec![0.0; width * meta.frontend.n_mels];
        kept.lay_out(0..width, &mut input);
        input
    }

    /// The trunk's steps for `frames` normalized frames laid out band-major (`[n_mels, frames]`) that
    /// follow the frames `state` has seen, one hop's or a window's and its priming; `state` then holds
    /// these frames' state.
    pub fn trunk(&self, state: &mut TrunkState, input: &[f32], frames: usize) -> Result<Steps> {
        let meta = &*self.metadata;
        let plan = if frames == meta.window.hop_frames {
            &self.trunk_hop
        } else if frames == meta.window.frames + priming_frames(meta) {
            self.trunk_window.get()?
        } else {
            return Err(Error::Model(format!(
                "the trunk runs on a hop or a window and its priming, not {frames} frames"
            )));
        };
        let frames = tensor(&[1, 1, meta.frontend.n_mels, frames], input)?;
        let inputs = std::iter::once(frames).chain(state.0.iter().cloned());
        let mut outputs = plan
            .run(inputs.map(Tensor::into_tvalue).collect())
            .map_err(model_error)?;
        let values = values(&outputs[0])?;
        state.0 = outputs.drain(1..).map(TValue::into_tensor).collect();
        let count = values.len() / self.step_size();
        Ok(Steps { values, count })
    }

    /// Raw scores for one window's steps, one step after another (`[steps, channels x bands]`).
    pub fn head(&self, steps: &[f32]) -> Result<Vec<f32>> {
        let shape = [1, self.metadata.stream.window_steps, self.step_size()];
        let outputs = self
            .head
            .run(tvec![tensor(&shape, steps)?.into()])
            .map_err(model_error)?;
        values(&outputs[0])
    }

    /// Raw scores for one whole-window input ([`window_input`](Self::window_input), the window and its
    /// context): the trunk over the window, primed with the context, then the head. The live path gives
    /// the same from the steps of each hop.
    pub fn logits(&self, input: &[f32]) -> Result<Vec<f32>> {
        let meta = &*self.metadata;
        let (n_mels, width) = (meta.frontend.n_mels, meta.window.frames + meta.stream.context_frames);
        if input.len() != n_mels * width {
            return Err(Error::Model(format!(
                "a window's input is {} values ({n_mels} bands x {width} frames), not {}",
                n_mels * width,
                input.len()
            )));
        }
        // Priming runs in whole steps: frames before the context, which no kept step sees, pad it.
        let chunk = meta.window.frames + priming_frames(meta);
        let mut padded = vec![0.0; n_mels * chunk];
        for (row, band) in padded.chunks_exact_mut(chunk).zip(input.chunks_exact(width)) {
            row[chunk - width..].copy_from_slice(band);
        }
        let steps = self.trunk(&mut self.silent_state(), &padded, chunk)?;
        self.head(&steps.last(meta.stream.window_steps))
    }

    /// Calibrated class probabilities from a window's logits when it holds `speech_seconds` of active
    /// frames: the softmax of the logits scaled by min(1, speech_seconds / `full_confidence_seconds`)
    /// and divided by the temperature (both the metadata's `decision`).
    pub fn probabilities(&self, mut logits: Vec<f32>, speech_seconds: f32) -> Vec<f32> {
        let d = self.metadata.decision;
        let scale = (speech_seconds / d.full_confidence_seconds).min(1.0) / d.temperature;
        logits.iter_mut().for_each(|l| *l *= scale);
        softmax(&logits)
    }
}

/// The frames before a window whose steps prime the trunk's state: its context in whole steps.
fn priming_frames(meta: &ModelMetadata) -> usize {
    meta.stream.context_frames.div_ceil(meta.stream.step_frames) * meta.stream.step_frames
}

/// The shapes of a trunk's state: its inputs after the first, which its outputs after the first
/// must match one for one.
fn state_shapes(trunk: &TypedModel) -> Result<Vec<Vec<usize>>> {
    let (inputs, outputs) = (trunk.inputs.len(), trunk.outputs.len());
    if inputs != outputs {
        return Err(Error::Model(format!(
            "the trunk has {inputs} inputs and {outputs} outputs: its state must go in and come out in pairs"
        )));
    }
    (1..inputs)
        .map(|i| {
            let shape = trunk
                .input_fact(i)
                .map_err(model_error)?
                .shape
                .as_concrete()
                .map(<[usize]>::to_vec);
            match (shape, output_shape(trunk, i)?) {
                (Some(a), Some(b)) if a == b => Ok(a),
                (a, b) => Err(Error::Model(format!(
                    "the trunk's state {i} goes in as {a:?} and comes out as {b:?}"
                ))),
            }
        })
        .collect()
}

fn tensor(shape: &[usize], values: &[f32]) -> Result<Tensor> {
    Tensor::from_shape(shape, values).map_err(|e| Error::Model(format!("input of {} values: {e}", values.len())))
}

fn values(output: &TValue) -> Result<Vec<f32>> {
    let view = output.to_plain_array_view::<f32>().map_err(model_error)?;
    Ok(view.iter().copied().collect())
}

/// Numerically stable softmax.
pub fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.iter().map(|e| e / sum).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_sums_to_one_and_keeps_order() {
        let p = softmax(&[1.0, 3.0, -2.0, 8.0]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(p[3] > 0.99 && p[1] > p[0] && p[0] > p[2]);
        // Large logits must not overflow.
        assert!(softmax(&[1000.0, 0.0]).iter().all(|x| x.is_finite()));
    }

    #[test]
    fn the_embedded_metadata_is_the_shipped_file_but_its_metrics() {
        let mut file: serde_json::Value = serde_json::from_slice(include_bytes!("../models/emotion.json")).unwrap();
        assert!(file.as_object_mut().unwrap().remove("metrics").is_some());
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(DEFAULT_METADATA).unwrap(),
            file
        );
        assert!(DEFAULT_METADATA.len() < 8_000, "{} bytes", DEFAULT_METADATA.len());
    }

    #[test]
    fn shipped_model_loads_and_scores() {
        let model = EmotionModel::shipped().unwrap();
        let n: usize = model.metadata().input.shape.iter().product();
        let p = model.probabilities(model.logits(&vec![0.0; n]).unwrap(), 3.0);
        assert_eq!(p.len(), model.labels().len());
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn little_speech_is_less_sure() {
        let model = EmotionModel::shipped().unwrap();
        let full = model.metadata().decision.full_confidence_seconds;
        let logits = model
            .logits(&vec![0.5; model.metadata().input.shape.iter().product()])
            .unwrap();
        let top = |seconds: f32| {
            let p = model.probabilities(logits.clone(), seconds);
            p.iter().copied().fold(0.0f32, f32::max)
        };
        assert!(
            top(0.0) - 1.0 / model.labels().len() as f32 <= 1e-6,
            "no speech, no preference"
        );
        assert!(top(0.5 * full) < top(full));
        assert_eq!(top(full), top(3.0), "from full_confidence_seconds on, the full logits");
    }

    #[test]
    fn the_trunk_by_hops_gives_the_window_steps() {
        let model = EmotionModel::shipped().unwrap();
        let meta = model.metadata();
        let (n_mels, hop) = (meta.frontend.n_mels, meta.window.hop_frames);
        let chunk = meta.window.frames + priming_frames(meta);
        let input: Vec<f32> = (0..n_mels * chunk)
            .map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0)
            .collect();
        let whole = model.trunk(&mut model.silent_state(), &input, chunk).unwrap();
        assert_eq!(whole.count, chunk / meta.stream.step_frames);
        // Hop by hop over the frames after the first `offset`, from any state: the first hops prime it,
        // then every step is the whole chunk's at that place.
        let offset = chunk % hop;
        let mut state = model.silent_state();
        state.0.iter_mut().for_each(|t| t.fill_t(3.0f32).unwrap());
        let mut compared = 0;
        for (h, start) in (offset..chunk).step_by(hop).enumerate() {
            let part: Vec<f32> = (0..n_mels)
                .flat_map(|b| input[b * chunk + start..b * chunk + start + hop].iter().copied())
                .collect();
            let steps = model.trunk(&mut state, &part, hop).unwrap();
            if h < model.priming_hops() {
                continue;
            }
            for s in 0..steps.count {
                let t = start / meta.stream.step_frames + s;
                let (a, b): (Vec<f32>, Vec<f32>) = (steps.step(s).collect(), whole.step(t).collect());
                assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-5), "step {t}");
                compared += 1;
            }
        }
        assert_eq!(
            compared,
            (chunk - offset - model.priming_hops() * hop) / meta.stream.step_frames
        );
        assert!(model.trunk(&mut state, &input[..n_mels * 100], 100).is_err());
    }

    #[test]
    fn corrupt_or_mismatched_models_are_errors() {
        for part in [DEFAULT_TRUNK, DEFAULT_HEAD] {
            let truncated = &part[..part.len() / 2];
            let (trunk, head) = if part == DEFAULT_TRUNK {
                (truncated, DEFAULT_HEAD)
            } else {
                (DEFAULT_TRUNK, truncated)
            };
            let err = EmotionModel::from_bytes(DEFAULT_METADATA, trunk, head).unwrap_err();
            assert!(matches!(err, Error::Model(_)), "{err}");
        }
        let err = EmotionModel::from_bytes(DEFAULT_METADATA, b"definitely not onnx", DEFAULT_HEAD).unwrap_err();
        assert!(matches!(err, Error::Model(_)), "{err}");
        // The parts swapped: the trunk where the head belongs, a graph without state where the trunk does.
        let err = EmotionModel::from_bytes(DEFAULT_METADATA, DEFAULT_TRUNK, DEFAULT_TRUNK).unwrap_err();
        assert!(matches!(err, Error::Model(_)), "{err}");
        let err = EmotionModel::from_bytes(DEFAULT_METADATA, DEFAULT_HEAD, DEFAULT_HEAD).unwrap_err();
        assert!(err.to_string().contains("no state inputs"), "{err}");

        let mut meta: serde_json::Value = serde_json::from_slice(DEFAULT_METADATA).unwrap();
        meta["labels"].as_array_mut().unwrap().pop();
        for axis in ["arousal", "valence"] {
            meta["affect"]["positions"][axis].as_array_mut().unwrap().pop();
        }
        let err =
            EmotionModel::from_bytes(&serde_json::to_vec(&meta).unwrap(), DEFAULT_TRUNK, DEFAULT_HEAD).unwrap_err();
        assert!(err.to_string().contains("[1, 7]"), "{err}");
    }
}
