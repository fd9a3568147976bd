//! A speaker's everyday voice as the reference: the spectral shape of their speech, heard through
//! the microphone and room they use. A model that takes one (metadata `reference`) judges a voice
//! against that voice there, not against the voices it was trained on: a colouring or a timbre that
//! both share cancels (`training/reference.py` is the training side).

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error::Result;
use crate::frontend::MelFrame;
use crate::gate::SpeechGate;
use crate::mel_stream::MelStream;
use crate::metadata::{ModelMetadata, ReferenceParams};
use crate::model::EmotionModel;

/// `exp(db * DB_TO_LN_POWER)` is `10^(db / 10)`.
const DB_TO_LN_POWER: f64 = std::f64::consts::LN_10 / 10.0;

/// Why a recording cannot be the reference, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ReferenceError {
    #[error("this model cannot compare a voice with a reference (its metadata has no `reference`)")]
    NotTaken,
    #[error("the reference recording lasts {seconds:.1} s: at least {min:.0} s are needed")]
    TooShort { seconds: f64, min: f64 },
    #[error("the reference recording lasts longer than {max:.0} s, the most that can be used")]
    TooLong { max: f64 },
    #[error("the reference recording is silent")]
    Silent,
    #[error("no speech was heard in the reference recording, only steady sound")]
    NoSpeech,
    #[error("the reference recording holds {seconds:.1} s of speech: at least {min:.0} s are needed")]
    TooLittleSpeech { seconds: f64, min: f64 },
    #[error(
        "the reference recording is clipped ({percent:.1} % of its samples at full scale): record it further from the microphone or quieter"
    )]
    Clipped { percent: f64 },
    #[error("the reference has {got} values, this model takes {expected}")]
    Bands { got: usize, expected: usize },
    #[error("the reference holds a value that is not a finite number")]
    NotFinite,
    #[error("no reference recording was started")]
    NotStarted,
    #[error("this is not a saved voice ({0})")]
    NotSaved(String),
    #[error(
        "the reference voice was recorded through another microphone or room than this recording \
         ({db:.1} dB apart, at most {max:.1}): judged without it"
    )]
    Mismatch { db: f32, max: f32 },
}

/// The spectral shape of a voice's speech: per mel band, its power mean over the speech frames in
/// dB, relative to the power mean of all bands (a gain moves nothing). A few numbers: it can be
/// kept, sent to a page's memory or saved by its owner as JSON (`{"shape": [...]}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    shape: Vec<f32>,
}

impl Reference {
    /// The reference of one recording (mono samples at `rate` Hz).
    pub fn from_recording(model: &EmotionModel, samples: &[f32], rate: u32) -> Result<Self> {
        let mut recorder = ReferenceRecorder::new(model)?;
        recorder.add(samples, rate)?;
        recorder.finish()
    }

    /// A reference kept earlier ([`Self::shape`]), checked against the model.
    pub fn from_shape(model: &EmotionModel, shape: Vec<f32>) -> Result<Self> {
        let params = params(model.metadata())?;
        if shape.len() != params.voice_shape.len() {
            return Err(ReferenceError::Bands {
                got: shape.len(),
                expected: params.voice_shape.len(),
            }
            .into());
        }
        if !shape.iter().all(|v| v.is_finite()) {
            return Err(ReferenceError::NotFinite.into());
        }
        Ok(Self { shape })
    }

    /// The reference as its owner may save it to a file of their own: `{"shape": [...]}`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a shape of finite numbers is JSON")
    }

    /// A reference saved with [`to_json`](Self::to_json), checked against the model.
    pub fn from_json(model: &EmotionModel, json: &[u8]) -> Result<Self> {
        let saved: Reference = serde_json::from_slice(json).map_err(|e| ReferenceError::NotSaved(e.to_string()))?;
        Self::from_shape(model, saved.shape)
    }

    /// Per mel band, dB relative to the bands' power mean.
    pub fn shape(&self) -> &[f32] {
        &self.shape
    }

    /// How far another recording's speech (its shape, as a reference's) sits from this voice, in
    /// dB: the RMS over the bands of their difference, its mean removed. The same voice through the
    /// same microphone and room stays within a few dB whatever it expresses; a telephone line or
    /// another room moves whole bands.
    pub fn distance(&self, shape: &[f32]) -> f32 {
        let n = self.shape.len() as f32;
        let mean = self.shape.iter().zip(shape).map(|(a, b)| a - b).sum::<f32>() / n;
        let squares: f32 = self.shape.iter().zip(shape).map(|(a, b)| (a - b - mean).powi(2)).sum();
        (squares / n).sqrt()
    }

    /// What the normalization subtracts from each band of a real frame: how this voice's shape
    /// differs from the training voices'.
    pub(crate) fn offset(&self, params: &ReferenceParams) -> Vec<f32> {
        self.shape.iter().zip(&params.voice_shape).map(|(r, v)| r - v).collect()
    }
}

/// The model's reference parameters, or why it takes no reference.
pub(crate) fn params(meta: &ModelMetadata) -> Result<&ReferenceParams> {
    Ok(meta.reference.as_ref().ok_or(ReferenceError::NotTaken)?)
}

/// Builds a [`Reference`] from one or more recordings of the same voice (several sentences, or
/// several files), each at its own rate, given whole ([`add`](Self::add)) or as it is recorded
/// ([`start`](Self::start), [`push`](Self::push)); `finish` checks that together they make one.
pub struct ReferenceRecorder {
    meta: ModelMetadata,
    params: ReferenceParams,
    gate: SpeechGate,
    spectrum: SpeechSpectrum,
    /// The recording being added, and its rate.
    recording: Option<(MelStream, u32)>,
    /// Every frame's level (dB of its summed band power), for the gate's check that the sound varies.
    levels: Vec<f32>,
    seconds: f64,
    samples: u64,
    clipped: u64,
}

impl ReferenceRecorder {
    pub fn new(model: &EmotionModel) -> Result<Self> {
        let meta = model.metadata();
        Ok(Self {
            params: params(meta)?.clone(),
            gate: SpeechGate::new(meta.speech_gate),
            spectrum: SpeechSpectrum::new(meta.frontend.n_mels, meta.speech_gate.frame_db),
            meta: meta.clone(),
            recording: None,
            levels: Vec::new(),
            seconds: 0.0,
            samples: 0,
            clipped: 0,
        })
    }

    /// Adds a whole recording (mono samples at `rate` Hz).
    pub fn add(&mut self, samples: &[f32], rate: u32) -> Result<()> {
        self.start(rate)?;
        self.push(samples)
    }

    /// Begins a recording of mono audio at `rate` Hz (the one before it ends).
    pub fn start(&mut self, rate: u32) -> Result<()> {
        self.end();
        self.recording = Some((MelStream::new(&self.meta, rate)?, rate));
        Ok(())
    }

    /// The recording's next samples. Refuses audio that is corrupt, or that would make the
    /// reference longer than the model uses; nothing is taken then.
    pub fn push(&mut self, samples: &[f32]) -> Result<()> {
        let Some((frames, rate)) = &mut self.recording else {
            return Err(ReferenceError::NotStarted.into());
        };
        let seconds = self.seconds + samples.len() as f64 / f64::from(*rate);
        if seconds > self.params.max_seconds {
            return Err(ReferenceError::TooLong {
                max: self.params.max_seconds,
            }
            .into());
        }
        frames.feed(samples)?;
        let clip = self.params.clip_level;
        self.clipped += samples.iter().filter(|s| s.abs() >= clip).count() as u64;
        self.samples += samples.len() as u64;
        self.seconds = seconds;
        while let Some(frame) = frames.next_frame() {
            self.levels.push(self.spectrum.add(&frame.bands_db));
        }
        Ok(())
    }

    /// Ends the recording being added (its last samples framed).
    fn end(&mut self) {
        if let Some((mut frames, _)) = self.recording.take() {
            frames.end();
            while let Some(frame) = frames.next_frame() {
                self.levels.push(self.spectrum.add(&frame.bands_db));
            }
        }
    }

    /// Seconds of audio added so far.
    pub fn seconds(&self) -> f64 {
        self.seconds
    }

    /// Seconds of speech (frames at the speech gate's frame level) heard so far.
    pub fn speech_seconds(&self) -> f64 {
        self.spectrum.frames as f64 * self.meta.hop_seconds()
    }

    /// Whether the recordings are long enough and hold enough speech for [`finish`](Self::finish)
    /// to try (it may still refuse them as clipped or steady noise).
    pub fn enough(&self) -> bool {
        self.seconds >= self.params.min_seconds && self.speech_seconds() >= self.params.min_speech_seconds
    }

    /// The reference, or why these recordings cannot make one.
    pub fn finish(mut self) -> Result<Reference> {
        self.end();
        let p = &self.params;
        if self.seconds < p.min_seconds {
            let (seconds, min) = (self.seconds, p.min_seconds);
            return Err(ReferenceError::TooShort { seconds, min }.into());
        }
        let clipped = self.clipped as f64 / self.samples as f64;
        if clipped > p.max_clipped_fraction {
            return Err(ReferenceError::Clipped {
                percent: 100.0 * clipped,
            }
            .into());
        }
        if self.spectrum.frames == 0 {
            return Err(ReferenceError::Silent.into());
        }
        if !self.gate.varies(&mut self.levels) {
            return Err(ReferenceError::NoSpeech.into());
        }
        if self.speech_seconds() < p.min_speech_seconds {
            let (seconds, min) = (self.speech_seconds(), p.min_speech_seconds);
            return Err(ReferenceError::TooLittleSpeech { seconds, min }.into());
        }
        Ok(Reference {
            shape: self.spectrum.shape(),
        })
    }
}

/// The first minute of a recording judged against a reference voice: its frames are held until
/// their speech says whether the recording was heard through the reference's microphone and room
/// (the metadata's `max_mismatch_db`); a recording that was not is judged without the reference.
pub(crate) struct ReferenceCheck {
    voice: Reference,
    max_db: f32,
    spectrum: SpeechSpectrum,
    held: Vec<MelFrame>,
    max_frames: usize,
}

impl ReferenceCheck {
    /// The check for a model judging against a reference voice; `None` for one judging without.
    pub(crate) fn new(model: &EmotionModel) -> Option<Self> {
        let (voice, meta) = (model.reference()?, model.metadata());
        let params = meta.reference.as_ref()?;
        Some(Self {
            voice: voice.clone(),
            max_db: params.max_mismatch_db,
            spectrum: SpeechSpectrum::new(meta.frontend.n_mels, meta.speech_gate.frame_db),
            held: Vec::new(),
            max_frames: (params.max_seconds / meta.hop_seconds()) as usize,
        })
    }

    /// Holds the recording's next frame; `true` once the check has heard as much as a reference
    /// may hold, enough to decide.
    pub(crate) fn hold(&mut self, frame: &MelFrame) -> bool {
        self.spectrum.add(&frame.bands_db);
        self.held.push(frame.clone());
        self.held.len() >= self.max_frames
    }

    /// The frames held, and why the recording must be judged without the reference (`None`: with
    /// it; a recording without speech is not compared).
    pub(crate) fn decide(self) -> (Vec<MelFrame>, Option<ReferenceError>) {
        let db = (self.spectrum.frames > 0).then(|| self.voice.distance(&self.spectrum.shape()));
        let mismatch = db
            .filter(|db| *db > self.max_db)
            .map(|db| ReferenceError::Mismatch { db, max: self.max_db });
        (self.held, mismatch)
    }
}

/// The power mean of each band over the speech frames given so far: those whose summed band
/// power reaches the speech gate's frame level (`training.reference.shape`).
pub(crate) struct SpeechSpectrum {
    frame_db: f32,
    band_power: Vec<f64>,
    frames: usize,
}

impl SpeechSpectrum {
    pub(crate) fn new(n_mels: usize, frame_db: f32) -> Self {
        Self {
            frame_db,
            band_power: vec![0.0; n_mels],
            frames: 0,
        }
    }

    /// Takes a frame of dB bands; returns its level (dB of the summed band power).
    pub(crate) fn add(&mut self, bands_db: &[f32]) -> f32 {
        let power = bands_db.iter().map(|d| (f64::from(*d) * DB_TO_LN_POWER).exp());
        let level = (10.0 * power.clone().sum::<f64>().log10()) as f32;
        if level >= self.frame_db {
            self.frames += 1;
            self.band_power.iter_mut().zip(power).for_each(|(b, p)| *b += p);
        }
        level
    }

    /// Per band, dB relative to the power mean of the bands (meaningless before a speech frame).
    pub(crate) fn shape(&self) -> Vec<f32> {
        let bands: Vec<f64> = self
            .band_power
            .iter()
            .map(|b| (b / self.frames.max(1) as f64).max(1e-30))
            .collect();
        let mean = bands.iter().sum::<f64>() / bands.len() as f64;
        bands.iter().map(|b| (10.0 * (b / mean).log10()) as f32).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::model::{DEFAULT_HEAD, DEFAULT_METADATA, DEFAULT_TRUNK};

    const RATE: u32 = 16_000;

    fn model() -> EmotionModel {
        EmotionModel::shipped().unwrap()
    }

    /// The shipped model as one made before references were (its metadata without `reference`).
    fn plain() -> EmotionModel {
        let mut meta: serde_json::Value = serde_json::from_slice(DEFAULT_METADATA).unwrap();
        meta.as_object_mut().unwrap().remove("reference");
        EmotionModel::from_bytes(&serde_json::to_vec(&meta).unwrap(), DEFAULT_TRUNK, DEFAULT_HEAD).unwrap()
    }

    /// A voice-like sound: a buzz on `pitch` Hz with harmonics up to about 7 kHz, loud and quiet four
    /// times a second, over a faint hiss (as any microphone has), all scaled by `gain`.
    fn voice(seconds: f64, pitch: f32, gain: f32) -> Vec<f32> {
        let mut hiss = 12345u32;
        (0..(seconds * f64::from(RATE)) as usize)
            .map(|i| {
                let t = i as f32 / RATE as f32;
                let envelope = (std::f32::consts::TAU * 4.0 * t).sin().max(0.0);
                let buzz: f32 = (1..(7000.0 / pitch) as usize)
                    .map(|h| (std::f32::consts::TAU * pitch * h as f32 * t).sin() / h as f32)
                    .sum();
                hiss = hiss.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                gain * (envelope * buzz + 1e-3 * (hiss as f32 / u32::MAX as f32 - 0.5))
            })
            .collect()
    }

    fn refusal(samples: &[f32]) -> ReferenceError {
        match Reference::from_recording(&model(), samples, RATE) {
            Err(Error::Reference(e)) => e,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_gain_moves_nothing_and_any_rate_gives_the_same_shape() {
        let quiet = Reference::from_recording(&model(), &voice(8.0, 150.0, 0.05), RATE).unwrap();
        let loud = Reference::from_recording(&model(), &voice(8.0, 150.0, 0.3), RATE).unwrap();
        let worst = quiet
            .shape()
            .iter()
            .zip(loud.shape())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(worst < 0.1, "{worst} dB");
        let at_48k = crate::audio::resample(&voice(8.0, 150.0, 0.3), RATE, 48_000).unwrap();
        let resampled = Reference::from_recording(&model(), &at_48k, 48_000).unwrap();
        // But for the top band (7.7-8 kHz), which the resampler's low-pass takes 1 dB from.
        let worst = loud.shape()[..63]
            .iter()
            .zip(resampled.shape())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(worst < 0.01, "{worst} dB");
        // A lower voice has another shape.
        let low = Reference::from_recording(&model(), &voice(8.0, 90.0, 0.3), RATE).unwrap();
        assert!(low.shape().iter().zip(loud.shape()).any(|(a, b)| (a - b).abs() > 3.0));
    }

    #[test]
    fn recordings_that_cannot_be_a_reference_are_refused_in_words() {
        assert!(matches!(
            refusal(&voice(3.0, 150.0, 0.3)),
            ReferenceError::TooShort { .. }
        ));
        assert!(matches!(
            refusal(&voice(61.0, 150.0, 0.3)),
            ReferenceError::TooLong { .. }
        ));
        assert_eq!(refusal(&vec![0.0; 8 * RATE as usize]), ReferenceError::Silent);
        // A steady hum, loud enough to be speech, but it never rises and falls.
        let hum: Vec<f32> = (0..8 * RATE as usize)
            .map(|i| 0.3 * (std::f32::consts::TAU * 120.0 * i as f32 / RATE as f32).sin())
            .collect();
        assert_eq!(refusal(&hum), ReferenceError::NoSpeech);
        // One second of speech in eight.
        let mut brief = voice(1.0, 150.0, 0.3);
        brief.resize(8 * RATE as usize, 0.0);
        assert!(matches!(refusal(&brief), ReferenceError::TooLittleSpeech { .. }));
        let clipped: Vec<f32> = voice(8.0, 150.0, 3.0).iter().map(|s| s.clamp(-1.0, 1.0)).collect();
        let ReferenceError::Clipped { percent } = refusal(&clipped) else {
            panic!()
        };
        assert!(percent > 1.0, "{percent}");
        let message = Error::from(ReferenceError::TooShort { seconds: 3.0, min: 5.0 }).to_string();
        assert_eq!(message, "the reference recording lasts 3.0 s: at least 5 s are needed");
    }

    #[test]
    fn a_gain_is_no_distance_and_a_band_limit_is_judged_without_the_reference() {
        let model = model();
        let audio = voice(8.0, 150.0, 0.3);
        let everyday = Reference::from_recording(&model, &audio, RATE).unwrap();
        let louder: Vec<f32> = everyday.shape().iter().map(|v| v + 6.0).collect();
        assert!(everyday.distance(&louder) < 1e-5);
        let judging = model.with_reference(Some(&everyday)).unwrap();
        let twice: Vec<f32> = audio.iter().map(|s| 2.0 * s).collect();
        assert_eq!(crate::analyze(&judging, &twice, RATE).unwrap().reference_mismatch, None);
        // Everything above 4 kHz gone, as through a telephone line: judged as without the reference.
        let narrow = crate::audio::resample(&audio, RATE, 8_000).unwrap();
        let phone = crate::audio::resample(&narrow, 8_000, RATE).unwrap();
        let judged = crate::analyze(&judging, &phone, RATE).unwrap();
        let message = judged
            .reference_mismatch
            .clone()
            .expect("a telephone band matched a wideband voice");
        assert!(message.ends_with("judged without it"), "{message}");
        let without = crate::analyze(&model, &phone, RATE).unwrap();
        assert_eq!(
            crate::Analysis {
                reference_mismatch: None,
                ..judged
            },
            without
        );
    }

    #[test]
    fn a_long_recording_is_decided_a_minute_in_and_scored_as_it_would_be_unchecked() {
        let model = model();
        let audio = voice(70.0, 150.0, 0.3);
        let everyday = Reference::from_recording(&model, &audio[..8 * RATE as usize], RATE).unwrap();
        let judging = model.with_reference(Some(&everyday)).unwrap();
        let mut checked = crate::Analyzer::new(judging.clone(), RATE).unwrap();
        let mut unchecked = crate::Analyzer::unchecked(judging, RATE).unwrap();
        for chunk in audio.chunks(4096) {
            checked.push(chunk).unwrap();
            unchecked.push(chunk).unwrap();
        }
        // Decided once it held as much as a reference may, before the end.
        assert!(!checked.windows().is_empty() && checked.reference_mismatch().is_none());
        assert_eq!(checked.finish().unwrap(), unchecked.finish().unwrap());
    }

    #[test]
    fn a_recording_pushed_in_pieces_makes_the_reference_it_makes_whole() {
        let audio = voice(8.0, 150.0, 0.3);
        let whole = Reference::from_recording(&model(), &audio, RATE).unwrap();
        let mut recorder = ReferenceRecorder::new(&model()).unwrap();
        assert!(matches!(
            recorder.push(&audio),
            Err(Error::Reference(ReferenceError::NotStarted))
        ));
        recorder.start(RATE).unwrap();
        let (first, rest) = audio.split_at(4 * RATE as usize);
        first.chunks(128).for_each(|chunk| recorder.push(chunk).unwrap());
        assert!(!recorder.enough(), "4 s is shorter than a reference");
        rest.chunks(128).for_each(|chunk| recorder.push(chunk).unwrap());
        assert!(recorder.enough());
        assert_eq!(recorder.finish().unwrap(), whole);
    }

    #[test]
    fn several_recordings_make_one_reference_and_corrupt_audio_is_refused() {
        let mut recorder = ReferenceRecorder::new(&model()).unwrap();
        recorder.add(&voice(3.0, 150.0, 0.3), RATE).unwrap();
        recorder.add(&voice(3.0, 150.0, 0.1), 44_100).unwrap();
        assert!(recorder.add(&[0.1, f32::NAN], RATE).is_err());
        assert!((recorder.seconds() - 3.0 - 3.0 * 16_000.0 / 44_100.0).abs() < 1e-9);
        assert!(recorder.speech_seconds() > 1.0);
        assert!(recorder.finish().is_err(), "4.1 s is too short");
    }

    #[test]
    fn a_model_without_reference_parameters_takes_none_and_a_kept_shape_is_checked() {
        let plain = plain();
        assert!(matches!(
            ReferenceRecorder::new(&plain),
            Err(Error::Reference(ReferenceError::NotTaken))
        ));
        let model = model();
        let reference = Reference::from_recording(&model, &voice(8.0, 150.0, 0.3), RATE).unwrap();
        assert!(matches!(
            plain.with_reference(Some(&reference)),
            Err(Error::Reference(ReferenceError::NotTaken))
        ));
        assert_eq!(
            Reference::from_json(&model, reference.to_json().as_bytes()).unwrap(),
            reference
        );
        assert!(matches!(
            Reference::from_json(&model, b"{\"voice\": 3}"),
            Err(Error::Reference(ReferenceError::NotSaved(_)))
        ));
        assert!(matches!(
            Reference::from_shape(&model, vec![0.0; 3]),
            Err(Error::Reference(ReferenceError::Bands { got: 3, expected: 64 }))
        ));
        let mut bad = reference.shape().to_vec();
        bad[5] = f32::NAN;
        assert!(matches!(
            Reference::from_shape(&model, bad),
            Err(Error::Reference(ReferenceError::NotFinite))
        ));
    }

    #[test]
    fn a_colouring_heard_in_the_reference_too_cancels_in_the_model_input() {
        let model = model();
        // dB frames of one spectral shape, loud (speech) and 30 dB quieter (pauses) in turn, each
        // seen through a tilt of `colour` dB from the lowest band to the highest.
        let frames = |colour: f32| -> Vec<Vec<f32>> {
            (0..400)
                .map(|t| {
                    let level = if (t / 20) % 2 == 0 { -30.0 } else { -60.0 };
                    (0..64)
                        .map(|b| level - 0.4 * b as f32 + ((b * 7 + t) % 5) as f32 + colour * (b as f32 / 63.0 - 0.5))
                        .collect()
                })
                .collect()
        };
        let reference = |frames: &[Vec<f32>]| {
            let mut spectrum = SpeechSpectrum::new(64, model.metadata().speech_gate.frame_db);
            frames.iter().for_each(|f| {
                spectrum.add(f);
            });
            Reference::from_shape(&model, spectrum.shape()).unwrap()
        };
        let input = |model: &EmotionModel, frames: &[Vec<f32>]| model.window_input(frames.iter().map(Vec::as_slice));
        let (plain, coloured) = (frames(0.0), frames(12.0));
        let own = input(&model.with_reference(Some(&reference(&plain))).unwrap(), &plain);
        let heard = input(&model.with_reference(Some(&reference(&coloured))).unwrap(), &coloured);
        let moved = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
        assert!(
            moved(&own, &heard) < 1e-3,
            "with the reference: {}",
            moved(&own, &heard)
        );
        assert!(
            moved(&input(&model, &plain), &input(&model, &coloured)) > 0.5,
            "without it the colouring stays"
        );
        // Forgetting the reference: the training voices again.
        assert_eq!(
            input(&model.with_reference(None).unwrap(), &plain),
            input(&model, &plain)
        );
    }
}
