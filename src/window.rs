//! The model over a stream of dB frames: the logits of the window ending at any frame, with the trunk
//! run once per hop on the frames that hop added.

use std::collections::VecDeque;

use crate::error::Result;
use crate::model::{EmotionModel, Steps, TrunkState};
use crate::normalize::NormalizedFrames;

/// Normalizes each frame as it arrives, keeps the last window's normalized frames (and those that
/// prime the trunk's state), the trunk's state and its steps of the last window in a ring. A window
/// ending on a hop is scored from the ring: the trunk runs only on the frames of the hops not yet
/// computed (hops the gate skipped are caught up when needed, at most a window's worth, after priming
/// the state again). Any other window (a stream's last, shorter hop) runs the trunk over the whole
/// window. Before the stream begins there is silence: its frames, state and steps.
pub struct WindowStream {
    model: EmotionModel,
    /// The last window's normalized frames and the hops before it that prime the state.
    frames: NormalizedFrames,
    frames_seen: u64,
    /// The trunk's state after hop `steps_hop`.
    state: TrunkState,
    /// The last window's steps, oldest first, each `step_size` values: those of hop `steps_hop` and before.
    steps: VecDeque<Vec<f32>>,
    steps_hop: u64,
    /// The steps of silence, which fill the ring before the stream begins.
    silent_step: Vec<f32>,
    input: Vec<f32>,
    head_input: Vec<f32>,
}

impl WindowStream {
    pub fn new(model: EmotionModel) -> Result<Self> {
        let meta = model.metadata();
        let (hop, n_mels) = (meta.window.hop_frames, meta.frontend.n_mels);
        let width = meta.window.frames + model.priming_hops() * hop;
        let silent_step: Vec<f32> = model
            .trunk(&mut model.silent_state(), &model.silent_frames(hop), hop)?
            .step(0)
            .collect();
        Ok(Self {
            frames: NormalizedFrames::new(meta, width, model.reference_offset()),
            state: model.silent_state(),
            steps: VecDeque::from(vec![silent_step.clone(); meta.stream.window_steps]),
            head_input: vec![0.0; model.step_size() * meta.stream.window_steps],
            input: vec![0.0; n_mels * width],
            frames_seen: 0,
            steps_hop: 0,
            silent_step,
            model,
        })
    }

    pub fn model(&self) -> &EmotionModel {
        &self.model
    }

    /// Takes the stream's next frame of dB bands.
    pub fn push(&mut self, db: &[f32]) {
        self.frames.push(db);
        self.frames_seen += 1;
    }

    /// Raw scores of the window ending at the latest frame.
    pub fn logits(&mut self) -> Result<Vec<f32>> {
        let meta = self.model.metadata();
        if self.frames_seen % meta.window.hop_frames as u64 != 0 {
            let (width, n_mels) = (self.frames.width(), meta.frontend.n_mels);
            let window = meta.window.frames + meta.stream.context_frames;
            self.frames
                .lay_out(width - window..width, &mut self.input[..n_mels * window]);
            return self.model.logits(&self.input[..n_mels * window]);
        }
        self.catch_up()?;
        for (to, step) in self
            .head_input
            .chunks_exact_mut(self.model.step_size())
            .zip(&self.steps)
        {
            to.copy_from_slice(step);
        }
        self.model.head(&self.head_input)
    }

    /// Runs the trunk on the hops since `steps_hop` that are still in the window; when hops were
    /// skipped before those, first on the hops before them that prime its state.
    fn catch_up(&mut self) -> Result<()> {
        let hop = self.model.metadata().window.hop_frames;
        let hops_per_window = (self.model.metadata().window.frames / hop) as u64;
        let latest = self.frames_seen / hop as u64;
        let first = (self.steps_hop + 1).max((latest + 1).saturating_sub(hops_per_window));
        if first > self.steps_hop + 1 {
            self.state = self.model.silent_state();
            let primed_from = first.saturating_sub(self.model.priming_hops() as u64).max(1);
            for h in primed_from..first {
                self.run_hop(h, latest)?;
            }
        }
        for h in first..=latest {
            let steps = self.run_hop(h, latest)?;
            for s in 0..steps.count {
                let mut step = self.steps.pop_front().expect("a full ring");
                step.clear();
                step.extend(steps.step(s));
                self.steps.push_back(step);
            }
        }
        self.steps_hop = latest;
        Ok(())
    }

    /// The trunk on hop `h`'s frames, `latest` being the newest hop.
    fn run_hop(&mut self, h: u64, latest: u64) -> Result<Steps> {
        let (hop, n_mels) = (
            self.model.metadata().window.hop_frames,
            self.model.metadata().frontend.n_mels,
        );
        // Hop h's frames end (latest - h) hops before the newest frame.
        let end = self.frames.width() - (latest - h) as usize * hop;
        let input = &mut self.input[..hop * n_mels];
        self.frames.lay_out(end - hop..end, input);
        self.model.trunk(&mut self.state, input, hop)
    }

    /// Forgets the stream so far.
    pub fn reset(&mut self) {
        self.frames.reset();
        self.state = self.model.silent_state();
        self.steps.iter_mut().for_each(|s| s.clone_from(&self.silent_step));
        self.frames_seen = 0;
        self.steps_hop = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Changing dB frames: each band rises and falls at its own pace, above the floor.
    fn frame(t: usize, n_mels: usize) -> Vec<f32> {
        (0..n_mels)
            .map(|b| -50.0 + 25.0 * ((t * (b + 3)) as f32 * 0.013).sin() - b as f32 * 0.3)
            .collect()
    }

    #[test]
    fn windows_after_skipped_hops_equal_the_whole_window() {
        let model = EmotionModel::shipped().unwrap();
        let meta = model.metadata().clone();
        let (hop, n_mels) = (meta.window.hop_frames, meta.frontend.n_mels);
        let mut stream = WindowStream::new(model.clone()).unwrap();
        // Hops scored: every hop at first, then after gaps shorter than a window (the skipped hops are
        // caught up in order) and longer than one (the state is primed again), then a stream's last,
        // shorter hop.
        let scored = [1, 2, 3, 5, 9, 30, 31, 45];
        let frames: Vec<Vec<f32>> = (0..45 * hop + 17).map(|t| frame(t, n_mels)).collect();
        let mut ends: Vec<usize> = scored.iter().map(|h| h * hop).collect();
        ends.push(frames.len());
        let agree = |stream: &mut WindowStream, end: usize| {
            let streamed = stream.logits().unwrap();
            let whole = model
                .logits(&model.window_input(frames[..end].iter().map(Vec::as_slice)))
                .unwrap();
            let worst = streamed
                .iter()
                .zip(&whole)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(worst < 1e-4, "window ending at frame {end}: {worst}");
        };
        let mut pushed = 0;
        for end in ends {
            frames[pushed..end].iter().for_each(|f| stream.push(f));
            pushed = end;
            agree(&mut stream, end);
        }
        // After a reset, a stream afresh.
        stream.reset();
        frames[..hop].iter().for_each(|f| stream.push(f));
        agree(&mut stream, hop);
    }
}
