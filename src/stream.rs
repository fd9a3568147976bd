//! From samples at any rate to scored windows: resampling, framing, gating, inference.

use std::collections::VecDeque;

use crate::audio::{DcBlocker, StreamResampler, check_samples};
use crate::error::Result;
use crate::frontend::{MelFrame, MelFrontEnd};
use crate::gate::SpeechGate;
use crate::model::EmotionModel;

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
}

/// A sink for resampled audio: appends it to `pending` with any DC offset removed.
fn without_dc<'a>(pending: &'a mut Vec<f32>, dc: &'a mut DcBlocker) -> impl FnMut(&[f32]) + 'a {
    move |resampled| {
        let at = pending.len();
        pending.extend_from_slice(resampled);
        dc.process(&mut pending[at..]);
    }
}

/// Turns a mono stream into a [`WindowScore`] every `window.hop_frames` frames.
/// State is bounded: one resampler chunk, one frame of samples and one window of frames.
pub struct WindowScorer {
    model: EmotionModel,
    gate: SpeechGate,
    resampler: StreamResampler,
    dc: DcBlocker,
    frontend: MelFrontEnd,
    /// Model-rate samples not yet consumed by a frame.
    samples: Vec<f32>,
    /// The most recent frames, at most one window.
    frames: VecDeque<MelFrame>,
    frames_seen: u64,
    unscored: usize,
    input: Vec<f32>,
}

impl WindowScorer {
    pub fn new(model: EmotionModel, input_rate: u32) -> Result<Self> {
        let meta = model.metadata();
        Ok(Self {
            gate: SpeechGate::new(meta.speech_gate),
            resampler: StreamResampler::new(input_rate, meta.sample_rate)?,
            dc: DcBlocker::new(meta.sample_rate),
            frontend: MelFrontEnd::new(&meta.frontend, meta.sample_rate),
            samples: Vec::new(),
            frames: VecDeque::with_capacity(meta.window.frames),
            frames_seen: 0,
            unscored: 0,
            input: vec![0.0; meta.input.shape.iter().product()],
            model,
        })
    }

    pub fn model(&self) -> &EmotionModel {
        &self.model
    }

    /// Consumes mono samples and appends the windows they complete. Non-finite samples are
    /// rejected before any state changes.
    pub fn push(&mut self, samples: &[f32], scores: &mut Vec<WindowScore>) -> Result<()> {
        check_samples(samples, self.resampler.input_samples())?;
        self.resampler
            .push(samples, &mut without_dc(&mut self.samples, &mut self.dc));
        self.consume_frames(scores)
    }

    /// Ends the stream: the resampler's tail, then a last window over any unscored frames.
    pub fn flush(&mut self, scores: &mut Vec<WindowScore>) -> Result<()> {
        self.resampler.flush(&mut without_dc(&mut self.samples, &mut self.dc));
        self.consume_frames(scores)?;
        if self.unscored > 0 {
            scores.push(self.score()?);
        }
        Ok(())
    }

    /// Forgets the stream so far.
    pub fn reset(&mut self) {
        self.resampler.reset();
        self.dc.reset();
        self.samples.clear();
        self.frames.clear();
        self.frames_seen = 0;
        self.unscored = 0;
    }

    fn consume_frames(&mut self, scores: &mut Vec<WindowScore>) -> Result<()> {
        let (n, hop) = (self.frontend.frame_len(), self.frontend.hop_len());
        let window = self.model.metadata().window;
        let mut start = 0;
        while self.samples.len() - start >= n {
            // Once the window is full, the oldest frame's storage takes the newest frame.
            let mut frame = if self.frames.len() == window.frames {
                self.frames.pop_front().expect("a full window")
            } else {
                self.frontend.empty_frame()
            };
            self.frontend.frame_into(&self.samples[start..start + n], &mut frame);
            start += hop;
            self.frames.push_back(frame);
            self.frames_seen += 1;
            self.unscored += 1;
            if self.unscored == window.hop_frames {
                scores.push(self.score()?);
            }
        }
        self.samples.drain(..start.min(self.samples.len()));
        Ok(())
    }

    /// Scores the frames held now, padding on the right with the floor when fewer than a window.
    fn score(&mut self) -> Result<WindowScore> {
        self.unscored = 0;
        let meta = self.model.metadata();
        let (hop, n_fft) = (meta.frontend.hop_length as f64, meta.frontend.n_fft as f64);
        let rate = f64::from(meta.sample_rate);
        let first = (self.frames_seen - self.frames.len() as u64) as f64;
        let last = (self.frames_seen - 1) as f64;
        let (start, end) = (first * hop / rate, (last * hop + n_fft) / rate);
        let frames = self.frames.len();
        let Some(active) = self.gate.speech_frames(self.frames.iter().map(|f| f.level_db)) else {
            return Ok(WindowScore {
                start,
                end,
                frames,
                probabilities: None,
            });
        };
        self.model
            .fill_input(self.frames.iter().map(|f| f.bands_db.as_slice()), &mut self.input);
        let speech_seconds = (active as f64 * meta.hop_seconds()) as f32;
        let probabilities = Some(self.model.probabilities(&self.input, speech_seconds)?);
        Ok(WindowScore {
            start,
            end,
            frames,
            probabilities,
        })
    }
}
