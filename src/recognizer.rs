//! Live recognition: push audio of any chunk size, get a smoothed [`Prediction`] every hop.

use serde::Serialize;

use crate::error::Result;
use crate::model::{EmotionModel, softmax};
use crate::stream::{WindowScore, WindowScorer};

/// How a stretch of speech sounds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Emotion {
    /// The most likely label.
    pub label: String,
    /// Its probability.
    pub confidence: f32,
    /// One probability per label, in the model's label order.
    pub probabilities: Vec<f32>,
}

impl Emotion {
    /// The emotion that `probabilities` (in `labels` order) point to.
    pub fn from_probabilities(labels: &[String], probabilities: Vec<f32>) -> Self {
        let best = argmax(&probabilities);
        Self {
            label: labels[best].clone(),
            confidence: probabilities[best],
            probabilities,
        }
    }

    /// Confident enough to be shown as an answer rather than "not sure" (`unsure_below` is the
    /// model's, from its metadata's `decision`).
    pub fn is_sure(&self, unsure_below: f32) -> bool {
        self.confidence >= unsure_below
    }
}

pub(crate) fn argmax(values: &[f32]) -> usize {
    (0..values.len())
        .max_by(|a, b| values[*a].total_cmp(&values[*b]))
        .unwrap_or(0)
}

/// The recognizer's answer at one moment of the stream.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// Stream time at the end of the window, in seconds since the stream began.
    pub time: f64,
    /// `None` when nobody is speaking; otherwise the smoothed emotion.
    pub emotion: Option<Emotion>,
}

impl Prediction {
    pub fn speech(&self) -> bool {
        self.emotion.is_some()
    }
}

/// Streaming recognizer: bounded memory however long it runs, identical output whatever the
/// chunking of the input.
pub struct Recognizer {
    scorer: WindowScorer,
    /// Smoothed log-probabilities.
    smoothed: Option<Vec<f32>>,
    silent_for: f64,
    scores: Vec<WindowScore>,
}

impl Recognizer {
    /// A recognizer for mono audio at `input_rate` Hz.
    pub fn new(model: EmotionModel, input_rate: u32) -> Result<Self> {
        Ok(Self {
            scorer: WindowScorer::new(model, input_rate)?,
            smoothed: None,
            silent_for: 0.0,
            scores: Vec::new(),
        })
    }

    pub fn labels(&self) -> &[String] {
        self.scorer.model().labels()
    }

    /// Consumes mono samples; returns a prediction for each hop they complete (often none).
    pub fn push(&mut self, samples: &[f32]) -> Result<Vec<Prediction>> {
        self.scores.clear();
        self.scorer.push(samples, &mut self.scores)?;
        let meta = self.scorer.model().metadata();
        let hop = meta.window.hop_frames as f64 * meta.hop_seconds();
        let decision = meta.decision;
        let alpha = (1.0 - (-hop / decision.smoothing_seconds).exp()) as f32;
        let tiny = f32::MIN_POSITIVE;
        let scores = std::mem::take(&mut self.scores);
        let predictions = scores
            .iter()
            .map(|score| {
                let emotion = match &score.probabilities {
                    None => {
                        self.silent_for += hop;
                        if self.silent_for >= decision.forget_after_seconds {
                            self.smoothed = None;
                        }
                        None
                    }
                    Some(p) => {
                        self.silent_for = 0.0;
                        // Log-probabilities are smoothed (a weighted geometric mean): averaging the
                        // probabilities of windows that disagree would read less sure than they are.
                        let logs = p.iter().map(|p| p.max(tiny).ln());
                        let smoothed: Vec<f32> = match self.smoothed.take() {
                            None => logs.collect(),
                            Some(s) => s.iter().zip(logs).map(|(s, l)| s + alpha * (l - s)).collect(),
                        };
                        let shown = softmax(&smoothed);
                        self.smoothed = Some(smoothed);
                        Some(Emotion::from_probabilities(self.labels(), shown))
                    }
                };
                Prediction {
                    time: score.end,
                    emotion,
                }
            })
            .collect();
        self.scores = scores;
        Ok(predictions)
    }

    /// Starts a new stream (same model and rate).
    pub fn reset(&mut self) {
        self.scorer.reset();
        self.smoothed = None;
        self.silent_for = 0.0;
    }
}
