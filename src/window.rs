//! The model over a stream of dB frames: the logits of the window ending at any frame, with the trunk
//! run once per hop on the frames that hop added.

use std::collections::VecDeque;

use crate::error::Result;
use crate::model::EmotionModel;
use crate::normalize::NormalizedFrames;

/// Normalizes each frame as it arrives, keeps the last window's normalized frames (plus context) and
/// the trunk's steps of the last window in a ring. A window ending on a hop is scored from the ring:
/// the trunk runs only for the hops not yet computed (hops the gate skipped are caught up when
/// needed, at most a window's worth). Any other window (a stream's last, shorter hop) runs the trunk
/// over the whole window. Before the stream begins there is silence: its frames and steps.
pub struct WindowStream {
    model: EmotionModel,
    /// The last window's normalized frames and their context.
    frames: NormalizedFrames,
    frames_seen: u64,
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
        let width = model.trunk_frames(meta.window.frames);
        let chunk = model.trunk_frames(meta.window.hop_frames);
        // A fresh stream holds only silence: the trunk on one hop of it gives the silent step.
        let frames = NormalizedFrames::new(meta, width);
        let mut input = vec![0.0; meta.frontend.n_mels * width];
        frames.lay_out(0..chunk, &mut input);
        let silent_step: Vec<f32> = model
            .trunk(&input[..meta.frontend.n_mels * chunk], chunk)?
            .step(0)
            .collect();
        Ok(Self {
            frames,
            steps: VecDeque::from(vec![silent_step.clone(); meta.stream.window_steps]),
            head_input: vec![0.0; model.step_size() * meta.stream.window_steps],
            input,
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
        let hop = self.model.metadata().window.hop_frames as u64;
        if self.frames_seen % hop != 0 {
            self.frames.lay_out(0..self.frames.width(), &mut self.input);
            return self.model.logits(&self.input);
        }
        self.catch_up()?;
        let count = self.steps.len();
        for (t, step) in self.steps.iter().enumerate() {
            for (i, v) in step.iter().enumerate() {
                self.head_input[i * count + t] = *v;
            }
        }
        self.model.head(&self.head_input)
    }

    /// Runs the trunk for the hops since `steps_hop` that are still in the window.
    fn catch_up(&mut self) -> Result<()> {
        let meta = self.model.metadata();
        let hop = meta.window.hop_frames;
        let hops_per_window = (meta.window.frames / hop) as u64;
        let latest = self.frames_seen / hop as u64;
        let chunk = self.model.trunk_frames(hop);
        let first = (self.steps_hop + 1).max((latest + 1).saturating_sub(hops_per_window));
        for h in first..=latest {
            // Hop h's frames end (latest - h) hops before the newest frame.
            let end = self.frames.width() - (latest - h) as usize * hop;
            self.frames
                .lay_out(end - chunk..end, &mut self.input[..chunk * meta.frontend.n_mels]);
            let steps = self.model.trunk(&self.input[..chunk * meta.frontend.n_mels], chunk)?;
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

    /// Forgets the stream so far.
    pub fn reset(&mut self) {
        self.frames.reset();
        self.steps.iter_mut().for_each(|s| s.clone_from(&self.silent_step));
        self.frames_seen = 0;
        self.steps_hop = 0;
    }
}
