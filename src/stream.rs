//! From log-mel frames to scored windows: gating, inference.

use std::collections::VecDeque;

use crate::error::Result;
use crate::frontend::MelFrame;
use crate::gate::SpeechGate;
use crate::model::EmotionModel;
use crate::window::WindowStream;

/// One model window, scored.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowScore {
    /// Stream time of the window's first and last sample, in seconds.
    pub start: f64,
    pub end: f64,
    /// Frames of audio in the window (fewer than the model's window only at the stream's start).
    pub frames: usize,
    /// Class probabilities, or `None` when the gate heard no speech (the model is not run).
    pub probabilities: Option<Vec<f32>>,
    /// How long the window's end has been quieter than the gate's frame level, in seconds: the
    /// pause so far (a pause in a noisy room never reaches it; the gate's verdict then ends speech).
    pub quiet_seconds: f64,
}

/// Turns a stream's frames ([`crate::mel_stream::MelStream`]) into a [`WindowScore`] every
/// `window.hop_frames` frames. State is bounded: one window of frames and steps.
pub struct WindowScorer {
    windows: WindowStream,
    gate: SpeechGate,
    /// The levels of the most recent frames, at most one window (the gate's input).
    levels: VecDeque<f32>,
    frames_seen: u64,
    unscored: usize,
}

impl WindowScorer {
    pub fn new(model: EmotionModel) -> Result<Self> {
        let meta = model.metadata();
        Ok(Self {
            gate: SpeechGate::new(meta.speech_gate),
            levels: VecDeque::with_capacity(meta.window.frames),
            frames_seen: 0,
            unscored: 0,
            windows: WindowStream::new(model)?,
        })
    }

    pub fn model(&self) -> &EmotionModel {
        self.windows.model()
    }

    /// Takes the stream's next frame and appends the window it completes, if any.
    pub fn push(&mut self, frame: &MelFrame, scores: &mut Vec<WindowScore>) -> Result<()> {
        let window = self.model().metadata().window;
        if self.levels.len() == window.frames {
            self.levels.pop_front();
        }
        self.levels.push_back(frame.level_db);
        self.windows.push(&frame.bands_db);
        self.frames_seen += 1;
        self.unscored += 1;
        if self.unscored == window.hop_frames {
            scores.push(self.score()?);
        }
        Ok(())
    }

    /// Ends the stream: a last window over any unscored frames.
    pub fn flush(&mut self, scores: &mut Vec<WindowScore>) -> Result<()> {
        if self.unscored > 0 {
            scores.push(self.score()?);
        }
        Ok(())
    }

    /// Forgets the stream so far.
    pub fn reset(&mut self) {
        self.levels.clear();
        self.windows.reset();
        self.frames_seen = 0;
        self.unscored = 0;
    }

    /// Scores the window ending at the latest frame (silence before the stream's start).
    fn score(&mut self) -> Result<WindowScore> {
        self.unscored = 0;
        let meta = self.windows.model().metadata();
        let (hop, n_fft) = (meta.frontend.hop_length as f64, meta.frontend.n_fft as f64);
        let rate = f64::from(meta.sample_rate);
        let first = (self.frames_seen - self.levels.len() as u64) as f64;
        let last = (self.frames_seen - 1) as f64;
        let (start, end) = (first * hop / rate, (last * hop + n_fft) / rate);
        let frames = self.levels.len();
        let frame_db = meta.speech_gate.frame_db;
        let quiet = self.levels.iter().rev().take_while(|l| **l < frame_db).count();
        let quiet_seconds = quiet as f64 * meta.hop_seconds();
        let Some(active) = self.gate.speech_frames(self.levels.iter().copied()) else {
            return Ok(WindowScore {
                start,
                end,
                frames,
                probabilities: None,
                quiet_seconds,
            });
        };
        let speech_seconds = (active as f64 * meta.hop_seconds()) as f32;
        let logits = self.windows.logits()?;
        let probabilities = Some(self.windows.model().probabilities(logits, speech_seconds));
        Ok(WindowScore {
            start,
            end,
            frames,
            probabilities,
            quiet_seconds,
        })
    }
}
