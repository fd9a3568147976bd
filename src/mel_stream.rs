//! Samples at any rate to log-mel frames as they arrive: resampled to the model's rate, any DC
//! offset removed, framed. The one path audio takes to the front end, live or not.

use crate::audio::{DcBlocker, StreamResampler, check_samples};
use crate::error::Result;
use crate::frontend::{MelFrame, MelFrontEnd};
use crate::metadata::ModelMetadata;

/// A mono stream's frames: [`feed`](Self::feed) samples, then take each frame they complete with
/// [`next_frame`](Self::next_frame). State is bounded: one resampler chunk and one frame of samples.
pub struct MelStream {
    resampler: StreamResampler,
    dc: DcBlocker,
    frontend: MelFrontEnd,
    /// Model-rate samples; those before `start` are consumed.
    samples: Vec<f32>,
    start: usize,
    frame: MelFrame,
}

impl MelStream {
    /// A stream of mono audio at `input_rate` Hz for the model `meta` describes.
    pub fn new(meta: &ModelMetadata, input_rate: u32) -> Result<Self> {
        let frontend = MelFrontEnd::new(&meta.frontend, meta.sample_rate);
        Ok(Self {
            resampler: StreamResampler::new(input_rate, meta.sample_rate)?,
            dc: DcBlocker::new(meta.sample_rate),
            frame: frontend.empty_frame(),
            frontend,
            samples: Vec::new(),
            start: 0,
        })
    }

    /// Samples fed so far, at the input rate.
    pub fn input_samples(&self) -> u64 {
        self.resampler.input_samples()
    }

    /// Takes the next mono samples; non-finite ones are refused before any state changes.
    pub fn feed(&mut self, samples: &[f32]) -> Result<()> {
        check_samples(samples, self.input_samples())?;
        self.compact();
        let (pending, dc) = (&mut self.samples, &mut self.dc);
        self.resampler
            .push(samples, &mut |resampled| without_dc(pending, dc, resampled));
        Ok(())
    }

    /// Ends the stream: the resampler's tail becomes samples too.
    pub fn end(&mut self) {
        self.compact();
        let (pending, dc) = (&mut self.samples, &mut self.dc);
        self.resampler
            .flush(&mut |resampled| without_dc(pending, dc, resampled));
    }

    /// The next frame the samples fed so far complete, if any.
    pub fn next_frame(&mut self) -> Option<&MelFrame> {
        let n = self.frontend.frame_len();
        if self.samples.len() - self.start < n {
            return None;
        }
        self.frontend
            .frame_into(&self.samples[self.start..self.start + n], &mut self.frame);
        self.start += self.frontend.hop_len();
        Some(&self.frame)
    }

    /// Forgets the stream so far.
    pub fn reset(&mut self) {
        self.resampler.reset();
        self.dc.reset();
        self.samples.clear();
        self.start = 0;
    }

    fn compact(&mut self) {
        self.samples.drain(..self.start);
        self.start = 0;
    }
}

/// Appends resampled audio to `pending` with any DC offset removed.
fn without_dc(pending: &mut Vec<f32>, dc: &mut DcBlocker, resampled: &[f32]) {
    let at = pending.len();
    pending.extend_from_slice(resampled);
    dc.process(&mut pending[at..]);
}
