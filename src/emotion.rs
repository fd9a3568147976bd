//! What a stretch of speech sounds like: a label, its probability, and all the probabilities.

use serde::{Deserialize, Serialize};

use crate::metadata::ModelMetadata;

/// How a stretch of speech sounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Emotion {
    /// The most likely label.
    pub label: String,
    /// Its probability.
    pub confidence: f32,
    /// How energetic the voice sounds, in [0, 1]: the chance it reads as high energy (metadata `affect`).
    pub arousal: f32,
    /// How pleasant it sounds, in [0, 1]: the chance it reads as pleasant.
    pub valence: f32,
    /// One probability per label, in the model's label order.
    pub probabilities: Vec<f32>,
}

impl Emotion {
    /// The emotion that `probabilities` (in the model's label order) point to.
    pub fn from_probabilities(meta: &ModelMetadata, probabilities: Vec<f32>) -> Self {
        let best = argmax(&probabilities);
        let (arousal, valence) = meta.affect.of(&probabilities);
        Self {
            label: meta.labels[best].clone(),
            confidence: probabilities[best],
            arousal,
            valence,
            probabilities,
        }
    }

    /// Confident enough to be shown as an answer rather than "not sure" (`unsure_below` is the
    /// model's, from its metadata's `decision`).
    pub fn is_sure(&self, unsure_below: f32) -> bool {
        self.confidence >= unsure_below
    }
}

/// Index of the largest value (the last of equals; 0 for none).
pub(crate) fn argmax(values: &[f32]) -> usize {
    (0..values.len())
        .max_by(|a, b| values[*a].total_cmp(&values[*b]))
        .unwrap_or(0)
}
