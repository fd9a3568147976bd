//! Live recognition: push audio of any chunk size, get a smoothed [`Prediction`] every hop.

use serde::Serialize;

use crate::emotion::Emotion;
use crate::error::Result;
use crate::mel_stream::MelStream;
use crate::model::{EmotionModel, softmax};
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
    frames: MelStream,
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
            frames: MelStream::new(model.metadata(), input_rate)?,
            scorer: WindowScorer::new(model)?,
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
        self.frames.feed(samples)?;
        while let Some(frame) = self.frames.next_frame() {
            self.scorer.push(frame, &mut self.scores)?;
        }
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
                        let shown = smooth(&mut self.smoothed, p, alpha, decision.live_temperature);
                        Some(Emotion::from_probabilities(meta, shown))
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
        self.frames.reset();
        self.scorer.reset();
        self.smoothed = None;
        self.silent_for = 0.0;
    }
}

/// One step of the live smoothing: folds a window's probabilities into `smoothed` (log-probabilities,
/// `None` at an utterance's start) with weight `alpha`, and returns what is shown: their softmax at
/// `temperature` (the metadata's `live_temperature`). Log-probabilities are smoothed (a weighted
/// geometric mean): averaging the probabilities of windows that disagree would read even less sure
/// than such answers are right.
fn smooth(smoothed: &mut Option<Vec<f32>>, probabilities: &[f32], alpha: f32, temperature: f32) -> Vec<f32> {
    let logs = probabilities.iter().map(|p| p.max(f32::MIN_POSITIVE).ln());
    let next: Vec<f32> = match smoothed.take() {
        None => logs.collect(),
        Some(s) => s.iter().zip(logs).map(|(s, l)| s + alpha * (l - s)).collect(),
    };
    let shown = softmax(&next.iter().map(|s| s / temperature).collect::<Vec<_>>());
    *smoothed = Some(next);
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_is_a_weighted_geometric_mean() {
        let mut state = None;
        let (a, b) = ([0.8f32, 0.2], [0.2f32, 0.8]);
        assert_eq!(smooth(&mut state, &a, 0.4, 1.0), a.to_vec());
        let shown = smooth(&mut state, &b, 0.4, 1.0);
        let mixed = [0.8f32.powf(0.6) * 0.2f32.powf(0.4), 0.2f32.powf(0.6) * 0.8f32.powf(0.4)];
        let sum: f32 = mixed.iter().sum();
        assert!(
            shown.iter().zip(mixed).all(|(s, m)| (s - m / sum).abs() < 1e-6),
            "{shown:?}"
        );
        // Agreeing windows stay as sure as they are; a zero probability stays finite.
        let mut state = None;
        smooth(&mut state, &a, 0.4, 1.0);
        assert!((smooth(&mut state, &a, 0.4, 1.0)[0] - 0.8).abs() < 1e-6);
        assert!(smooth(&mut state, &[1.0, 0.0], 0.4, 1.0).iter().all(|p| p.is_finite()));
    }

    #[test]
    fn the_live_temperature_sharpens_what_is_shown_not_what_is_smoothed() {
        let (a, b) = ([0.8f32, 0.2], [0.3f32, 0.7]);
        let (mut plain, mut sharp) = (None, None);
        smooth(&mut plain, &a, 0.4, 1.0);
        let shown = smooth(&mut sharp, &a, 0.4, 0.5);
        assert!((shown[0] - 0.64 / 0.68).abs() < 1e-6, "{shown:?}");
        let (next_plain, next_sharp) = (smooth(&mut plain, &b, 0.4, 1.0), smooth(&mut sharp, &b, 0.4, 0.5));
        assert_eq!(plain, sharp, "the smoothed state is the same at any temperature");
        let squared: Vec<f32> = next_plain.iter().map(|p| p * p).collect();
        let sum: f32 = squared.iter().sum();
        assert!(
            next_sharp.iter().zip(&squared).all(|(s, q)| (s - q / sum).abs() < 1e-6),
            "{next_sharp:?}"
        );
    }
}
