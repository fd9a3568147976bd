//! Log-mel front end: the same features librosa computes, one frame at a time.

use std::sync::Arc;

use realfft::num_complex::Complex32;
use realfft::{RealFftPlanner, RealToComplex};

use crate::metadata::{FrontEndParams, MelNorm, MelScale};

/// One analysis frame: its mel bands in dB and its total mel power in dB (for the speech gate).
#[derive(Debug, Clone, PartialEq)]
pub struct MelFrame {
    pub bands_db: Vec<f32>,
    pub level_db: f32,
}

/// Computes log-mel frames from `n_fft` samples at a time (`center = false`).
pub struct MelFrontEnd {
    params: FrontEndParams,
    /// Periodic Hann of `win_length`, centred in `n_fft` zeros as librosa pads it.
    window: Vec<f32>,
    filters: Vec<MelFilter>,
    fft: Arc<dyn RealToComplex<f32>>,
    buffer: Vec<f32>,
    spectrum: Vec<Complex32>,
    scratch: Vec<Complex32>,
    power: Vec<f32>,
    /// `10 log10(ref)`, subtracted from every level.
    ref_db: f64,
}

/// One triangular filter: weights for the FFT bins starting at `first_bin`.
struct MelFilter {
    first_bin: usize,
    weights: Vec<f32>,
}

impl MelFrontEnd {
    /// Builds the window, FFT plan and filterbank for already validated parameters.
    pub fn new(params: &FrontEndParams, sample_rate: u32) -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(params.n_fft);
        Self {
            window: hann_window(params.win_length, params.n_fft),
            filters: mel_filters(params, sample_rate),
            buffer: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            power: vec![0.0; params.n_fft / 2 + 1],
            ref_db: 10.0 * params.reference.max(params.amin).log10(),
            fft,
            params: params.clone(),
        }
    }

    /// Samples one frame needs (`n_fft`).
    pub fn frame_len(&self) -> usize {
        self.params.n_fft
    }

    /// Samples between frame starts (`hop_length`).
    pub fn hop_len(&self) -> usize {
        self.params.hop_length
    }

    /// Mel bands per frame.
    pub fn n_mels(&self) -> usize {
        self.params.n_mels
    }

    /// The dB value of silence: `10 log10(amin / ref)`; also the padding value.
    pub fn floor_db(&self) -> f32 {
        self.params.floor_db()
    }

    /// Computes one frame from exactly [`frame_len`](Self::frame_len) samples.
    pub fn frame(&mut self, samples: &[f32]) -> MelFrame {
        let mut frame = self.empty_frame();
        self.frame_into(samples, &mut frame);
        frame
    }

    /// Storage for one frame, to fill with [`frame_into`](Self::frame_into).
    pub fn empty_frame(&self) -> MelFrame {
        MelFrame {
            bands_db: Vec::with_capacity(self.params.n_mels),
            level_db: 0.0,
        }
    }

    /// Like [`frame`](Self::frame), reusing `frame`'s storage (the streaming path allocates nothing).
    pub fn frame_into(&mut self, samples: &[f32], frame: &mut MelFrame) {
        assert_eq!(samples.len(), self.params.n_fft, "a frame takes n_fft samples");
        for ((b, s), w) in self.buffer.iter_mut().zip(samples).zip(&self.window) {
            *b = s * w;
        }
        self.fft
            .process_with_scratch(&mut self.buffer, &mut self.spectrum, &mut self.scratch)
            .expect("buffers come from the plan");
        let squared = self.params.power == 2.0;
        for (p, c) in self.power.iter_mut().zip(&self.spectrum) {
            let energy = c.norm_sqr();
            *p = if squared { energy } else { energy.sqrt() };
        }
        let mut total = 0.0f64;
        frame.bands_db.clear();
        for f in &self.filters {
            let bins = &self.power[f.first_bin..f.first_bin + f.weights.len()];
            let mel: f32 = bins.iter().zip(&f.weights).map(|(p, w)| p * w).sum();
            total += f64::from(mel);
            frame.bands_db.push(self.to_db(f64::from(mel)));
        }
        frame.level_db = self.to_db(total);
    }

    /// Frames that [`frames`](Self::frames) gives for a clip of `samples` samples (no centring).
    pub fn frame_count(&self, samples: usize) -> usize {
        match samples.checked_sub(self.frame_len()) {
            Some(extra) => extra / self.hop_len() + 1,
            None => 0,
        }
    }

    /// Frames of a whole 16 kHz clip, as librosa would return them (time-major here).
    pub fn frames(&mut self, samples: &[f32]) -> Vec<MelFrame> {
        let (n, hop) = (self.frame_len(), self.hop_len());
        (0..self.frame_count(samples.len()))
            .map(|t| self.frame(&samples[t * hop..t * hop + n]))
            .collect()
    }

    fn to_db(&self, power: f64) -> f32 {
        (10.0 * power.max(self.params.amin).log10() - self.ref_db) as f32
    }
}

/// scipy's `get_window("hann", win_length, fftbins=True)`, zero-padded to `n_fft` in the centre.
fn hann_window(win_length: usize, n_fft: usize) -> Vec<f32> {
    let mut window = vec![0.0; n_fft];
    let offset = (n_fft - win_length) / 2;
    for (n, w) in window[offset..offset + win_length].iter_mut().enumerate() {
        let phase = 2.0 * std::f64::consts::PI * n as f64 / win_length as f64;
        *w = (0.5 - 0.5 * phase.cos()) as f32;
    }
    window
}

fn hz_to_mel(hz: f64, scale: MelScale) -> f64 {
    match scale {
        MelScale::Htk => 2595.0 * (1.0 + hz / 700.0).log10(),
        MelScale::Slaney => {
            // Linear below 1 kHz, logarithmic above (Slaney's Auditory Toolbox).
            let (f_sp, min_log_hz) = (200.0 / 3.0, 1000.0);
            let min_log_mel = min_log_hz / f_sp;
            let logstep = 6.4f64.ln() / 27.0;
            if hz >= min_log_hz {
                min_log_mel + (hz / min_log_hz).ln() / logstep
            } else {
                hz / f_sp
            }
        }
    }
}

fn mel_to_hz(mel: f64, scale: MelScale) -> f64 {
    match scale {
        MelScale::Htk => 700.0 * (10f64.powf(mel / 2595.0) - 1.0),
        MelScale::Slaney => {
            let (f_sp, min_log_hz) = (200.0 / 3.0, 1000.0);
            let min_log_mel = min_log_hz / f_sp;
            let logstep = 6.4f64.ln() / 27.0;
            if mel >= min_log_mel {
                min_log_hz * (logstep * (mel - min_log_mel)).exp()
            } else {
                f_sp * mel
            }
        }
    }
}

/// `librosa.filters.mel`, computed in f64 like librosa and stored sparsely.
fn mel_filters(p: &FrontEndParams, sample_rate: u32) -> Vec<MelFilter> {
    let n_bins = p.n_fft / 2 + 1;
    let bin_hz = |k: usize| k as f64 * f64::from(sample_rate) / p.n_fft as f64;
    let (lo, hi) = (hz_to_mel(p.fmin, p.mel_scale), hz_to_mel(p.fmax, p.mel_scale));
    let edges: Vec<f64> = (0..p.n_mels + 2)
        .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (p.n_mels + 1) as f64, p.mel_scale))
        .collect();
    (0..p.n_mels)
        .map(|m| {
            let (left, centre, right) = (edges[m], edges[m + 1], edges[m + 2]);
            let scale = match p.mel_norm {
                Some(MelNorm::Slaney) => 2.0 / (right - left),
                None => 1.0,
            };
            let weights: Vec<f64> = (0..n_bins)
                .map(|k| {
                    let f = bin_hz(k);
                    let rising = (f - left) / (centre - left);
                    let falling = (right - f) / (right - centre);
                    rising.min(falling).max(0.0) * scale
                })
                .collect();
            let first = weights.iter().position(|w| *w > 0.0).unwrap_or(0);
            let last = weights.iter().rposition(|w| *w > 0.0).map_or(first, |l| l + 1);
            MelFilter {
                first_bin: first,
                weights: weights[first..last].iter().map(|w| *w as f32).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ModelMetadata;

    fn front_end() -> MelFrontEnd {
        let meta = ModelMetadata::from_json(include_bytes!("../models/emotion.json")).unwrap();
        MelFrontEnd::new(&meta.frontend, meta.sample_rate)
    }

    #[test]
    fn slaney_scale_round_trips() {
        for hz in [0.0, 440.0, 1000.0, 4321.0, 8000.0] {
            for scale in [MelScale::Slaney, MelScale::Htk] {
                assert!((mel_to_hz(hz_to_mel(hz, scale), scale) - hz).abs() < 1e-6);
            }
        }
        // librosa.hz_to_mel(1000) == 15, librosa.hz_to_mel(4000) == 35.16376...
        assert!((hz_to_mel(1000.0, MelScale::Slaney) - 15.0).abs() < 1e-9);
        assert!((hz_to_mel(4000.0, MelScale::Slaney) - 35.163760).abs() < 1e-5);
    }

    #[test]
    fn frame_count_is_librosas_without_centring() {
        // librosa.util.frame: 1 + (len - n_fft) // hop, none for a clip shorter than n_fft (512)
        let fe = front_end();
        for (samples, frames) in [(0, 0), (511, 0), (512, 1), (671, 1), (672, 2), (16_000, 97)] {
            assert_eq!(fe.frame_count(samples), frames, "{samples} samples");
        }
    }

    #[test]
    fn silence_is_the_floor() {
        let mut fe = front_end();
        let frame = fe.frame(&vec![0.0; fe.frame_len()]);
        assert!(frame.bands_db.iter().all(|d| *d == fe.floor_db()));
        assert_eq!(frame.level_db, fe.floor_db());
    }

    #[test]
    fn a_tone_lights_the_band_that_holds_it() {
        let mut fe = front_end();
        let tone: Vec<f32> = (0..fe.frame_len())
            .map(|n| (2.0 * std::f32::consts::PI * 1000.0 * n as f32 / 16000.0).sin())
            .collect();
        let frame = fe.frame(&tone);
        let loudest = (0..fe.n_mels())
            .max_by(|a, b| frame.bands_db[*a].total_cmp(&frame.bands_db[*b]))
            .unwrap();
        let filter = &fe.filters[loudest];
        let bin_1k = 1000 * fe.frame_len() / 16000;
        assert!((filter.first_bin..filter.first_bin + filter.weights.len()).contains(&bin_1k));
    }

    #[test]
    fn frame_count_follows_librosa() {
        let mut fe = front_end();
        let (n, hop) = (fe.frame_len(), fe.hop_len());
        assert_eq!(fe.frames(&vec![0.0; n - 1]).len(), 0);
        assert_eq!(fe.frames(&vec![0.0; n]).len(), 1);
        assert_eq!(fe.frames(&vec![0.0; n + 3 * hop + 1]).len(), 4);
    }
}
