//! Live recognition: push audio of any chunk size, get a smoothed [`Prediction`] every hop.

use serde::Serialize;

use crate::emotion::Emotion;
use crate::error::Result;
use crate::model::EmotionModel;
use crate::stream::{WindowScore, WindowScorer};

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
                        let smoothed = match self.smoothed.take() {
                            None => p.clone(),
                            Some(s) => s.iter().zip(p).map(|(s, p)| s + alpha * (p - s)).collect(),
                        };
                        self.smoothed = Some(smoothed.clone());
                        Some(Emotion::from_probabilities(self.labels(), smoothed))
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
