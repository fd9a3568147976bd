//! Getting audio to the model's rate: channel downmix and streaming resampling (rubato).

use rubato::audioadapter_buffers::direct::SequentialSlice;
use rubato::{Fft, FixedSync, Resampler as _, WindowFunction};

use crate::error::{Error, Result};

/// Lowest input sample rate accepted, in Hz.
pub const MIN_RATE: u32 = 8_000;
/// Highest input sample rate accepted, in Hz.
pub const MAX_RATE: u32 = 192_000;

/// The error for a rate outside [`MIN_RATE`]..=[`MAX_RATE`].
pub fn unsupported_rate(rate: u32) -> Error {
    Error::SampleRate {
        rate,
        min: MIN_RATE,
        max: MAX_RATE,
    }
}

/// Cut-off of the DC blocker, in Hz: far below speech and below the lowest mel band's centre.
pub const DC_CUTOFF_HZ: f32 = 5.0;

/// Removes a constant offset (a one-pole high-pass), so that a recording with a DC offset is
/// heard as the same recording without one; otherwise the offset's steady level hides speech
/// from the speech gate.
#[derive(Debug, Clone)]
pub struct DcBlocker {
    pole: f32,
    last_in: f32,
    last_out: f32,
}

impl DcBlocker {
    pub fn new(sample_rate: u32) -> Self {
        Self {
            pole: (-std::f32::consts::TAU * DC_CUTOFF_HZ / sample_rate as f32).exp(),
            last_in: 0.0,
            last_out: 0.0,
        }
    }

    /// Filters `samples` in place, continuing from the previous call.
    pub fn process(&mut self, samples: &mut [f32]) {
        for s in samples {
            let out = *s - self.last_in + self.pole * self.last_out;
            self.last_in = *s;
            self.last_out = out;
            *s = out;
        }
    }

    pub fn reset(&mut self) {
        (self.last_in, self.last_out) = (0.0, 0.0);
    }
}

/// Averages interleaved frames of `channels` samples into one mono channel.
pub fn downmix(interleaved: &[f32], channels: usize) -> Vec<f32> {
    match channels {
        0 | 1 => interleaved.to_vec(),
        n => interleaved
            .chunks_exact(n)
            .map(|f| f.iter().sum::<f32>() / n as f32)
            .collect(),
    }
}

/// Largest sample magnitude accepted: 80 dB beyond full scale. Float recordings may exceed 1.0
/// a little; values this large are garbage, and would overflow the resampler's FFT.
pub const MAX_SAMPLE_MAGNITUDE: f32 = 1e4;

/// Rejects NaN, infinite and absurdly large samples before they poison a window. Errors count
/// samples from `first_index` (the stream position of `samples[0]`).
pub fn check_samples(samples: &[f32], first_index: u64) -> Result<()> {
    match samples
        .iter()
        .position(|s| !s.is_finite() || s.abs() > MAX_SAMPLE_MAGNITUDE)
    {
        Some(i) if samples[i].is_finite() => Err(Error::SampleOutOfRange {
            index: first_index + i as u64,
            value: samples[i],
        }),
        Some(i) => Err(Error::NonFiniteSample {
            index: first_index + i as u64,
            value: samples[i],
        }),
        None => Ok(()),
    }
}

/// Converts a mono stream from any rate to the model's, chunk by chunk, with no startup delay:
/// output sample `n` is input time `n / output_rate`, whatever the sizes of the pushed chunks.
pub struct StreamResampler {
    fft: Option<Fft<f32>>,
    /// Input waiting for a full resampler chunk.
    pending: Vec<f32>,
    output: Output,
    ratio: f64,
    input_total: u64,
}

/// The resampler's output side: its buffer, the delay still to drop, and the count emitted.
struct Output {
    buffer: Vec<f32>,
    to_trim: usize,
    total: u64,
}

impl Output {
    fn emit(&mut self, produced: usize, sink: &mut impl FnMut(&[f32])) {
        let skip = self.to_trim.min(produced);
        self.to_trim -= skip;
        if produced > skip {
            self.total += (produced - skip) as u64;
            sink(&self.buffer[skip..produced]);
        }
    }
}

/// Input frames per resampler chunk, at least: small enough for live latency, large enough to be cheap.
const CHUNK: usize = 1024;

/// The chunk the resampler is given: the smallest multiple of the rates' shortest whole period
/// (`input / gcd` frames) by a power of two that reaches [`CHUNK`]. Its FFTs are that period (and the
/// output's) times a power of two: at 48 kHz 1536 and 512 frames, where 1024 would give 1026 and
/// 342 (2 x 3^3 x 19), whose factor 19 took a quarter of a live hop in wasm.
fn chunk_frames(input_rate: usize, output_rate: usize) -> usize {
    let gcd = |mut a: usize, mut b: usize| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    let period = input_rate / gcd(input_rate, output_rate);
    period * CHUNK.div_ceil(period).next_power_of_two()
}

impl StreamResampler {
    pub fn new(input_rate: u32, output_rate: u32) -> Result<Self> {
        if !(MIN_RATE..=MAX_RATE).contains(&input_rate) {
            return Err(unsupported_rate(input_rate));
        }
        let fft = (input_rate != output_rate)
            .then(|| {
                // One FFT per chunk: the longest filter, so the anti-aliasing cutoff sits close to
                // the model rate's Nyquist frequency and the top mel bands keep their energy.
                let (input, output) = (input_rate as usize, output_rate as usize);
                Fft::new_custom(
                    input,
                    output,
                    chunk_frames(input, output),
                    1,
                    1,
                    WindowFunction::BlackmanHarris2,
                    FixedSync::Input,
                )
            })
            .transpose()
            .map_err(|_| unsupported_rate(input_rate))?;
        let (buffer, to_trim) = match &fft {
            Some(f) => (vec![0.0; f.output_frames_max()], f.output_delay()),
            None => (Vec::new(), 0),
        };
        Ok(Self {
            fft,
            pending: Vec::new(),
            output: Output {
                buffer,
                to_trim,
                total: 0,
            },
            ratio: f64::from(output_rate) / f64::from(input_rate),
            input_total: 0,
        })
    }

    /// Input samples pushed since the stream started.
    pub fn input_samples(&self) -> u64 {
        self.input_total
    }

    /// Resamples what `input` completes and hands the output to `sink`.
    pub fn push(&mut self, input: &[f32], sink: &mut impl FnMut(&[f32])) {
        self.input_total += input.len() as u64;
        let Some(fft) = self.fft.as_mut() else {
            self.output.total += input.len() as u64;
            return sink(input);
        };
        self.pending.extend_from_slice(input);
        let need = fft.input_frames_next();
        let mut start = 0;
        while self.pending.len() - start >= need {
            let chunk = &self.pending[start..start + need];
            let produced = process(fft, chunk, None, &mut self.output.buffer);
            start += need;
            self.output.emit(produced, sink);
        }
        self.pending.drain(..start);
    }

    /// Ends the stream: resamples the remainder so the output matches the input's duration.
    pub fn flush(&mut self, sink: &mut impl FnMut(&[f32])) {
        let Some(fft) = self.fft.as_mut() else { return };
        let expected = (self.input_total as f64 * self.ratio).ceil() as u64;
        let mut rest = std::mem::take(&mut self.pending);
        while self.output.total < expected {
            let need = fft.input_frames_next();
            let take = rest.len().min(need);
            let chunk: Vec<f32> = rest
                .drain(..take)
                .chain(std::iter::repeat_n(0.0, need - take))
                .collect();
            let produced = process(fft, &chunk, Some(take), &mut self.output.buffer);
            let keep = produced.min(self.output.to_trim + (expected - self.output.total) as usize);
            self.output.emit(keep, sink);
        }
    }

    /// Starts a new stream at the same rates.
    pub fn reset(&mut self) {
        if let Some(fft) = self.fft.as_mut() {
            fft.reset();
            self.output.to_trim = fft.output_delay();
        }
        self.pending.clear();
        self.input_total = 0;
        self.output.total = 0;
    }
}

fn process(fft: &mut Fft<f32>, chunk: &[f32], partial: Option<usize>, output: &mut [f32]) -> usize {
    let frames_out = output.len();
    // Sequential: for one channel the same layout as interleaved, and copied by memcpy, not per sample.
    let input = SequentialSlice::new(chunk, 1, chunk.len()).expect("mono slice");
    let mut out = SequentialSlice::new_mut(output, 1, frames_out).expect("mono slice");
    let indexing = partial.map(|n| rubato::Indexing {
        partial_len: Some(n),
        ..Default::default()
    });
    // Sizes come from the resampler itself, so processing cannot fail.
    let (_, produced) = fft
        .process_into_buffer(&input, &mut out, indexing.as_ref())
        .expect("resampler buffers are sized by the resampler");
    produced
}

/// Resamples a whole mono clip (convenience over [`StreamResampler`]).
pub fn resample(samples: &[f32], input_rate: u32, output_rate: u32) -> Result<Vec<f32>> {
    let mut resampler = StreamResampler::new(input_rate, output_rate)?;
    let mut out = Vec::with_capacity((samples.len() as f64 * resampler.ratio).ceil() as usize);
    let mut sink = |s: &[f32]| out.extend_from_slice(s);
    resampler.push(samples, &mut sink);
    resampler.flush(&mut sink);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(hz: f64, rate: u32, seconds: f64) -> Vec<f32> {
        let n = (seconds * f64::from(rate)) as usize;
        (0..n)
            .map(|i| (2.0 * std::f64::consts::PI * hz * i as f64 / f64::from(rate)).sin() as f32 * 0.5)
            .collect()
    }

    /// Amplitude of the component at `hz`, by correlation with a sine and cosine.
    fn amplitude_at(signal: &[f32], hz: f64, rate: u32) -> f64 {
        let (mut s, mut c) = (0.0, 0.0);
        for (i, x) in signal.iter().enumerate() {
            let phase = 2.0 * std::f64::consts::PI * hz * i as f64 / f64::from(rate);
            s += f64::from(*x) * phase.sin();
            c += f64::from(*x) * phase.cos();
        }
        2.0 * (s * s + c * c).sqrt() / signal.len() as f64
    }

    #[test]
    fn keeps_duration_frequency_and_timing_at_every_rate() {
        for rate in [8_000, 22_050, 44_100, 48_000, 96_000] {
            let input = tone(440.0, rate, 1.0);
            let out = resample(&input, rate, 16_000).unwrap();
            assert_eq!(out.len(), 16_000, "{rate} Hz: one second in, one second out");
            let middle = &out[2_000..14_000];
            let kept = amplitude_at(middle, 440.0, 16_000);
            assert!((kept - 0.5).abs() < 0.01, "{rate} Hz: 440 Hz amplitude {kept}");
            // No delay: the resampled sine is in phase with the ideal one.
            let ideal = tone(440.0, 16_000, 1.0);
            let err = middle
                .iter()
                .zip(&ideal[2_000..14_000])
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(err < 0.086, "{rate} Hz: max deviation from ideal {err}");
        }
    }

    #[test]
    fn removes_what_the_model_rate_cannot_hold() {
        // 12 kHz is above 16 kHz's Nyquist: it must not fold back into the band as 4 kHz.
        let out = resample(&tone(12_000.0, 48_000, 1.0), 48_000, 16_000).unwrap();
        assert!(amplitude_at(&out[2_000..14_000], 4_000.0, 16_000) < 0.005);
    }

    #[test]
    fn chunking_does_not_change_the_output() {
        let input = tone(300.0, 44_100, 0.7);
        let whole = resample(&input, 44_100, 16_000).unwrap();
        let mut resampler = StreamResampler::new(44_100, 16_000).unwrap();
        let mut pieces = Vec::new();
        let mut sink = |s: &[f32]| pieces.extend_from_slice(s);
        for chunk in input.chunks(129) {
            resampler.push(chunk, &mut sink);
        }
        resampler.flush(&mut sink);
        assert_eq!(whole, pieces);
    }

    #[test]
    fn rejects_rates_out_of_range_and_bad_samples() {
        assert!(matches!(
            StreamResampler::new(4_000, 16_000),
            Err(Error::SampleRate { rate: 4_000, .. })
        ));
        assert!(matches!(
            StreamResampler::new(400_000, 16_000),
            Err(Error::SampleRate { .. })
        ));
        let err = check_samples(&[0.0, f32::NAN], 0).unwrap_err();
        assert!(err.to_string().contains("sample 1 is not a finite number"), "{err}");
        let err = check_samples(&[0.0, 1.5, -3e38], 1000).unwrap_err();
        assert!(
            err.to_string().contains("sample 1002 is -3e38, far beyond full scale"),
            "{err}"
        );
    }

    #[test]
    fn dc_blocker_removes_an_offset_and_keeps_speech_frequencies() {
        let rate = 16_000;
        let tone = |n: usize| 0.5 * (std::f32::consts::TAU * 100.0 * n as f32 / rate as f32).sin();
        let mut samples: Vec<f32> = (0..rate as usize).map(|n| tone(n) + 0.25).collect();
        let mut blocker = DcBlocker::new(rate);
        let (head, tail) = samples.split_at_mut(1000);
        blocker.process(head);
        blocker.process(tail); // in pieces, as a stream arrives
        let last = &samples[rate as usize / 2..];
        let mean = last.iter().sum::<f32>() / last.len() as f32;
        let peak = last.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(mean.abs() < 1e-3, "offset left: {mean}");
        assert!((peak - 0.5).abs() < 0.01, "100 Hz peak {peak}");
    }

    #[test]
    fn downmix_averages_channels() {
        assert_eq!(downmix(&[1.0, 0.0, 0.5, 0.5], 2), vec![0.5, 0.5]);
        assert_eq!(downmix(&[0.25; 12], 6), vec![0.25, 0.25]);
    }
}
