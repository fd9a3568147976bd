//! From dB frames to the model's input: a causal level normalization, then per-band standardization.

use std::collections::VecDeque;
use std::ops::Range;

use crate::metadata::ModelMetadata;

/// An element is real (not padding, not digital silence) when it is this far above the floor.
const REAL_ABOVE_FLOOR_DB: f32 = 0.005;

/// `exp(db * DB_TO_LN_POWER)` is `10^(db / 10)`, the power of a dB value (`exp` is cheaper than `powf`).
const DB_TO_LN_POWER: f64 = std::f64::consts::LN_10 / 10.0;

/// Normalizes a stream of dB frames as training did (`training/features.py`, `Normalizer`): each
/// frame's real elements are moved by the level of the `level_frames` frames ending at it (the power
/// mean of their real elements, in dB: it follows the speech, not the pauses that noise fills) minus
/// the reference level, so a constant gain cancels and the spectral shape stays; then
/// `(db - mean[band]) / std[band]`. With a reference voice, the real elements are also moved by how
/// its shape differs from the training voices' (`offset`). Causal: a frame depends only on frames up to it.
#[derive(Debug, Clone)]
pub struct LevelNormalizer {
    mean: Vec<f32>,
    std: Vec<f32>,
    real_above: f32,
    reference_db: f64,
    level_frames: usize,
    /// Per band, subtracted from real elements: the reference voice's shape minus the training voices'.
    offset: Option<Vec<f32>>,
    /// Summed power of the real elements and their count, for each of the last `level_frames` frames.
    recent: VecDeque<(f64, u32)>,
}

impl LevelNormalizer {
    pub fn new(meta: &ModelMetadata, offset: Option<&[f32]>) -> Self {
        let n = &meta.normalization;
        Self {
            mean: n.mean.clone(),
            std: n.std.clone(),
            real_above: meta.frontend.floor_db() + REAL_ABOVE_FLOOR_DB,
            reference_db: n.reference_db,
            level_frames: n.level_frames,
            offset: offset.map(<[f32]>::to_vec),
            recent: VecDeque::with_capacity(n.level_frames),
        }
    }

    /// Normalizes the stream's next frame (`n_mels` dB values) into `out`.
    pub fn push(&mut self, db: &[f32], out: &mut [f32]) {
        let (mut power, mut count) = (0.0f64, 0u32);
        for &d in db.iter().filter(|&&d| d > self.real_above) {
            power += (f64::from(d) * DB_TO_LN_POWER).exp();
            count += 1;
        }
        if self.recent.len() == self.level_frames {
            self.recent.pop_front();
        }
        self.recent.push_back((power, count));
        // Summed afresh each frame (a few hundred additions): running sums would drift over an hour.
        let (power, count) = self
            .recent
            .iter()
            .fold((0.0, 0u64), |(p, n), &(fp, fc)| (p + fp, n + u64::from(fc)));
        // With nothing real in the history, the level is the reference: no shift.
        let shift = if count == 0 {
            0.0
        } else {
            (10.0 * (power / count as f64).log10() - self.reference_db) as f32
        };
        for (band, (o, &d)) in out.iter_mut().zip(db).enumerate() {
            let moved = match &self.offset {
                _ if d <= self.real_above => d,
                Some(offset) => d - shift - offset[band],
                None => d - shift,
            };
            *o = (moved - self.mean[band]) / self.std[band];
        }
    }

    /// A frame of silence (every band at `floor_db`) normalized: what the stream holds before it begins.
    fn silence(&self, floor_db: f32) -> Vec<f32> {
        self.mean
            .iter()
            .zip(&self.std)
            .map(|(m, s)| (floor_db - m) / s)
            .collect()
    }

    /// Forgets the stream so far.
    pub fn reset(&mut self) {
        self.recent.clear();
    }
}

/// The last `width` frames of a stream, normalized as they arrive, oldest first; frames of silence
/// before the stream began, so there are always `width`.
#[derive(Debug, Clone)]
pub struct NormalizedFrames {
    normalizer: LevelNormalizer,
    silence: Vec<f32>,
    frames: VecDeque<Vec<f32>>,
}

impl NormalizedFrames {
    pub fn new(meta: &ModelMetadata, width: usize, offset: Option<&[f32]>) -> Self {
        let normalizer = LevelNormalizer::new(meta, offset);
        let silence = normalizer.silence(meta.frontend.floor_db());
        Self {
            frames: VecDeque::from(vec![silence.clone(); width]),
            normalizer,
            silence,
        }
    }

    /// Takes the stream's next frame of dB bands; the oldest frame's storage holds it.
    pub fn push(&mut self, db: &[f32]) {
        let mut frame = self.frames.pop_front().expect("width > 0");
        self.normalizer.push(db, &mut frame);
        self.frames.push_back(frame);
    }

    /// Frames kept (the `width` given).
    pub fn width(&self) -> usize {
        self.frames.len()
    }

    /// Lays out the frames in `range` (0 is the oldest) band-major into `input`, `[n_mels, range.len()]`.
    pub fn lay_out(&self, range: Range<usize>, input: &mut [f32]) {
        let width = range.len();
        for (t, frame) in self.frames.range(range).enumerate() {
            for (band, v) in frame.iter().enumerate() {
                input[band * width + t] = *v;
            }
        }
    }

    /// Forgets the stream so far: silence again.
    pub fn reset(&mut self) {
        self.normalizer.reset();
        self.frames.iter_mut().for_each(|f| f.clone_from(&self.silence));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EmotionModel;

    fn normalizer() -> (LevelNormalizer, f32) {
        let model = EmotionModel::shipped().unwrap();
        let meta = model.metadata();
        (LevelNormalizer::new(meta, None), meta.frontend.floor_db())
    }

    fn speech_like(t: usize) -> Vec<f32> {
        (0..64)
            .map(|b| -40.0 - b as f32 * 0.3 + ((t * 7 + b) % 11) as f32)
            .collect()
    }

    #[test]
    fn a_constant_gain_cancels() {
        let (mut a, _) = normalizer();
        let mut b = a.clone();
        let (mut x, mut y) = (vec![0.0; 64], vec![0.0; 64]);
        for t in 0..400 {
            let frame = speech_like(t);
            let louder: Vec<f32> = frame.iter().map(|d| d + 12.0).collect();
            a.push(&frame, &mut x);
            b.push(&louder, &mut y);
            assert!(x.iter().zip(&y).all(|(p, q)| (p - q).abs() < 1e-4), "frame {t}");
        }
    }

    #[test]
    fn the_level_follows_speech_not_the_pauses() {
        // Noise 20 dB under the speech filling every other frame moves a speech frame's shift by
        // under a decibel (a mean of dB would move it by about 10).
        let speech_frame_after = |pause_db: f32| {
            let (mut n, _) = normalizer();
            let mut out = vec![0.0; 64];
            for t in 0..=600 {
                n.push(&[if t % 2 == 0 { -30.0 } else { pause_db }; 64], &mut out);
            }
            out
        };
        let (quiet, noisy) = (speech_frame_after(-90.0), speech_frame_after(-50.0));
        let std = EmotionModel::shipped().unwrap().metadata().normalization.std.clone();
        for b in 0..64 {
            assert!(((quiet[b] - noisy[b]) * std[b]).abs() < 1.0, "band {b}");
        }
    }

    #[test]
    fn silence_stays_silence_and_the_history_is_bounded() {
        let (mut n, floor) = normalizer();
        let silence = n.silence(floor);
        let mut out = vec![0.0; 64];
        n.push(&[floor; 64], &mut out);
        assert_eq!(out, silence);
        for t in 0..1000 {
            n.push(&speech_like(t), &mut out);
        }
        assert_eq!(n.recent.len(), n.level_frames);
        // The first real frame moves to the reference level.
        let (mut fresh, _) = normalizer();
        fresh.push(&speech_like(0), &mut out);
        let meta = EmotionModel::shipped().unwrap().metadata().clone();
        let power: f64 = out
            .iter()
            .enumerate()
            .map(|(b, v)| 10f64.powf(f64::from(v * meta.normalization.std[b] + meta.normalization.mean[b]) / 10.0))
            .sum::<f64>()
            / 64.0;
        let level = 10.0 * power.log10();
        assert!((level - meta.normalization.reference_db).abs() < 1e-3, "{level}");
    }
}
