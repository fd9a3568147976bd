//! The emotion classifier: an ONNX file run by tract, and the metadata that describes it.

use std::path::Path;
use std::sync::Arc;

use tract_onnx::prelude::*;

use crate::error::{Error, Result, guard_panics};
use crate::metadata::ModelMetadata;

/// The shipped int8 model and its metadata, embedded so the CLI and the page need no files.
pub const DEFAULT_ONNX: &[u8] = include_bytes!("../models/emotion.onnx");
pub const DEFAULT_METADATA: &[u8] = include_bytes!("../models/emotion.json");

/// A loaded, optimized model ready to score windows. Cloning shares the plan.
#[derive(Clone)]
pub struct EmotionModel {
    plan: Arc<TypedSimplePlan>,
    metadata: Arc<ModelMetadata>,
}

impl std::fmt::Debug for EmotionModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmotionModel")
            .field("labels", &self.metadata.labels)
            .finish_non_exhaustive()
    }
}

impl EmotionModel {
    /// The model shipped in `models/`.
    pub fn shipped() -> Result<Self> {
        Self::from_bytes(DEFAULT_ONNX, DEFAULT_METADATA)
    }

    /// Loads `NAME.onnx` and the `NAME.json` beside it.
    pub fn from_path(onnx: &Path) -> Result<Self> {
        let json = onnx.with_extension("json");
        let read = |p: &Path| std::fs::read(p).map_err(|e| Error::Model(format!("{}: {e}", p.display())));
        Self::from_bytes(&read(onnx)?, &read(&json)?)
    }

    /// Loads a model from ONNX bytes and metadata JSON bytes, checking that they agree.
    pub fn from_bytes(onnx: &[u8], metadata_json: &[u8]) -> Result<Self> {
        let metadata = ModelMetadata::from_json(metadata_json)?;
        let shape = metadata.input.shape.clone();
        let model_err = |e: TractError| Error::Model(format!("{e:#}"));
        let cannot_load = |e: String| Error::Model(format!("cannot load the ONNX graph for input {shape:?}: {e}"));
        let typed = guard_panics(
            || {
                tract_onnx::onnx()
                    .model_for_read(&mut &onnx[..])
                    .and_then(|m| m.with_input_fact(0, f32::fact(&shape).into()))
                    .and_then(|m| m.into_optimized())
                    .map_err(|e| cannot_load(format!("{e:#}")))
            },
            |e| cannot_load(format!("the file is malformed ({e})")),
        )?;
        let expected = [1, metadata.labels.len()];
        let output = typed
            .output_fact(0)
            .map_err(model_err)?
            .shape
            .as_concrete()
            .map(<[usize]>::to_vec);
        if output.as_deref() != Some(&expected[..]) {
            return Err(Error::Model(format!(
                "the graph outputs {output:?} but the metadata names {} labels (expected {expected:?})",
                metadata.labels.len()
            )));
        }
        let plan = typed.into_runnable().map_err(model_err)?;
        Ok(Self {
            plan,
            metadata: Arc::new(metadata),
        })
    }

    pub fn metadata(&self) -> &ModelMetadata {
        &self.metadata
    }

    pub fn labels(&self) -> &[String] {
        &self.metadata.labels
    }

    /// Lays out up to one window of dB frames (each `n_mels` long) as the model's input:
    /// normalized per band, band-major, right-padded with the floor (`models/METADATA.md`).
    pub fn fill_input<'a>(&self, frames: impl IntoIterator<Item = &'a [f32]>, input: &mut [f32]) {
        let meta = &*self.metadata;
        let (width, norm) = (meta.window.frames, &meta.normalization);
        let floor = meta.frontend.floor_db();
        for (band, row) in input.chunks_exact_mut(width).enumerate() {
            row.fill((floor - norm.mean[band]) / norm.std[band]);
        }
        for (t, frame) in frames.into_iter().take(width).enumerate() {
            for (band, db) in frame.iter().enumerate() {
                input[band * width + t] = (db - norm.mean[band]) / norm.std[band];
            }
        }
    }

    /// Raw scores for one normalized window laid out as `input.shape` (band-major).
    pub fn logits(&self, input: &[f32]) -> Result<Vec<f32>> {
        let tensor = Tensor::from_shape(&self.metadata.input.shape, input)
            .map_err(|e| Error::Model(format!("input of {} values: {e}", input.len())))?;
        let outputs = self
            .plan
            .run(tvec![tensor.into()])
            .map_err(|e| Error::Model(format!("{e:#}")))?;
        let view = outputs[0]
            .to_plain_array_view::<f32>()
            .map_err(|e| Error::Model(format!("{e:#}")))?;
        Ok(view.iter().copied().collect())
    }

    /// Calibrated class probabilities for one window holding `speech_seconds` of active frames: the
    /// softmax of [`logits`](Self::logits) scaled by min(1, speech_seconds /
    /// `full_confidence_seconds`) and divided by the temperature (both the metadata's `decision`).
    pub fn probabilities(&self, input: &[f32], speech_seconds: f32) -> Result<Vec<f32>> {
        let d = self.metadata.decision;
        let scale = (speech_seconds / d.full_confidence_seconds).min(1.0) / d.temperature;
        let mut logits = self.logits(input)?;
        logits.iter_mut().for_each(|l| *l *= scale);
        Ok(softmax(&logits))
    }
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
    fn shipped_model_loads_and_scores() {
        let model = EmotionModel::shipped().unwrap();
        let n: usize = model.metadata().input.shape.iter().product();
        let p = model.probabilities(&vec![0.0; n], 3.0).unwrap();
        assert_eq!(p.len(), model.labels().len());
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn little_speech_is_less_sure() {
        let model = EmotionModel::shipped().unwrap();
        let full = model.metadata().decision.full_confidence_seconds;
        let input = vec![0.5; model.metadata().input.shape.iter().product()];
        let top = |seconds: f32| {
            let p = model.probabilities(&input, seconds).unwrap();
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
    fn corrupt_or_mismatched_models_are_errors() {
        let truncated = &DEFAULT_ONNX[..DEFAULT_ONNX.len() / 2];
        let err = EmotionModel::from_bytes(truncated, DEFAULT_METADATA).unwrap_err();
        assert!(matches!(err, Error::Model(_)), "{err}");
        let err = EmotionModel::from_bytes(b"definitely not onnx", DEFAULT_METADATA).unwrap_err();
        assert!(matches!(err, Error::Model(_)), "{err}");

        let mut meta: serde_json::Value = serde_json::from_slice(DEFAULT_METADATA).unwrap();
        meta["labels"].as_array_mut().unwrap().pop();
        let err = EmotionModel::from_bytes(DEFAULT_ONNX, &serde_json::to_vec(&meta).unwrap()).unwrap_err();
        assert!(err.to_string().contains("7 labels"), "{err}");
    }
}
