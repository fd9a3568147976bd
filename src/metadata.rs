//! The model's metadata JSON (`models/METADATA.md`): the one source of every runtime parameter.

use serde::Deserialize;

use crate::error::{Error, Result};

/// Everything the runtime needs to know about a model, read from its JSON file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelMetadata {
    pub format: String,
    /// Class names in the order of the model's outputs.
    pub labels: Vec<String>,
    /// Rate of the audio the front end expects, in Hz.
    pub sample_rate: u32,
    pub frontend: FrontEndParams,
    pub normalization: Normalization,
    pub window: WindowParams,
    pub input: InputParams,
    pub stream: StreamParams,
    pub speech_gate: GateParams,
    pub decision: DecisionParams,
    pub affect: AffectParams,
    /// What a model that can compare a voice with the speaker's everyday voice needs; absent for a
    /// model that takes no reference.
    #[serde(default)]
    pub reference: Option<ReferenceParams>,
    /// Validation figures, reported but not used by the runtime.
    #[serde(default)]
    pub metrics: serde_json::Value,
}

/// Log-mel parameters, named as librosa names them.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FrontEndParams {
    pub n_fft: usize,
    pub win_length: usize,
    pub hop_length: usize,
    pub window: String,
    pub center: bool,
    pub n_mels: usize,
    pub fmin: f64,
    pub fmax: f64,
    pub mel_scale: MelScale,
    pub mel_norm: Option<MelNorm>,
    pub power: f64,
    pub amin: f64,
    #[serde(rename = "ref")]
    pub reference: f64,
}

impl FrontEndParams {
    /// The dB value of silence, `10 log10(amin / ref)`: also the value padding frames take.
    pub fn floor_db(&self) -> f32 {
        (10.0 * self.amin.log10() - 10.0 * self.reference.max(self.amin).log10()) as f32
    }
}

/// How hertz map to mels.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MelScale {
    Slaney,
    Htk,
}

/// How each mel filter is scaled.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MelNorm {
    /// Divide each triangle by its width in hertz (constant energy per band).
    Slaney,
}

/// From dB frames to the model's input: each frame's level moved to the reference (see
/// [`LevelNormalizer`](crate::normalize::LevelNormalizer)), then per band `(db - mean) / std`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Normalization {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    /// A frame's level is the power mean (in dB) of the real elements of the frames ending at it, this many.
    pub level_frames: usize,
    /// The training clips' mean level, in dB: where every frame's level is moved.
    pub reference_db: f64,
}

/// How many frames the model sees and how often a window is scored.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WindowParams {
    pub frames: usize,
    pub hop_frames: usize,
}

/// The whole-window input tensor shape, `[1, 1, n_mels, window frames + context frames]`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct InputParams {
    pub shape: Vec<usize>,
}

/// How the model streams: a causal trunk (one step per `step_frames` frames, each also seeing the
/// `context_frames` before its own) and a head over a window's `window_steps` steps, two ONNX files
/// named relative to the metadata; `whole` is the same function in one graph (reference, benchmarks).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StreamParams {
    pub context_frames: usize,
    pub step_frames: usize,
    pub window_steps: usize,
    pub trunk: String,
    pub head: String,
    pub whole: String,
}

/// Thresholds of the speech gate, in the front end's dB units.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GateParams {
    /// A frame whose total mel power reaches this level is active.
    pub frame_db: f32,
    /// Share of a window's frames that must be active.
    pub min_active_fraction: f32,
    /// Spread (95th minus 10th percentile) of frame levels that speech shows and steady noise lacks.
    pub min_range_db: f32,
}

/// How scores become what a person sees: calibration, "not sure", smoothing over time.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DecisionParams {
    /// Logits are divided by it before the softmax, so confidences match accuracy on unseen speakers.
    pub temperature: f32,
    /// Below this confidence an answer reads "not sure".
    pub unsure_below: f32,
    /// Time constant of the exponential smoothing of live probabilities, in seconds.
    pub smoothing_seconds: f64,
    /// After this long without speech, live smoothing starts afresh, in seconds.
    pub forget_after_seconds: f64,
    /// The smoothed live log-probabilities are divided by it before the softmax: a weighted geometric
    /// mean of windows that disagree reads less sure than it is right. 1 (the default) leaves them.
    #[serde(default = "one")]
    pub live_temperature: f32,
    /// A window's logits are scaled by min(1, its seconds of active frames / this) before the
    /// temperature: a window holding only the start of an utterance is not read as sure.
    pub full_confidence_seconds: f32,
    /// How a whole file's mean is shown: averaging windows pulls the top probability down.
    pub file: StretchCalibration,
    /// How a timeline segment's mean is shown: a short segment exists because its windows disagree
    /// with their neighbours, and is right less often than its probability says.
    pub segment: StretchCalibration,
}

/// A model calibrated before `live_temperature` existed shows the smoothed values as they are.
fn one() -> f32 {
    1.0
}

/// How a stretch's (a file's or a timeline segment's) mean window probabilities `p` are shown:
/// softmax(ln p × (s / 1 s)^`seconds_exponent` / `temperature`), `s` its seconds clamped to the
/// range it was fitted on. A monotone map: the label stays the mean's.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StretchCalibration {
    pub temperature: f32,
    pub seconds_exponent: f32,
    pub shortest_seconds: f64,
    pub longest_seconds: f64,
}

impl StretchCalibration {
    fn is_valid(&self) -> bool {
        self.temperature.is_finite()
            && self.temperature > 0.0
            && self.seconds_exponent.is_finite()
            && self.shortest_seconds > 0.0
            && self.shortest_seconds <= self.longest_seconds
            && self.longest_seconds.is_finite()
    }
}

/// Energy (arousal) and pleasantness (valence) from the label probabilities: each label's place on
/// the circumplex of affect, and per axis a logistic map of the probability-weighted place, fitted so
/// that the value is the chance the voice sounds energetic, or pleasant (`training/affect.py`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AffectParams {
    pub positions: AffectPositions,
    pub arousal: AffectMap,
    pub valence: AffectMap,
}

/// Each label's place on each axis, in [0, 1], in label order.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AffectPositions {
    pub arousal: Vec<f32>,
    pub valence: Vec<f32>,
}

/// σ(slope × (place − centre)) of a probability-weighted place.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AffectMap {
    pub slope: f32,
    pub centre: f32,
}

impl AffectParams {
    /// (arousal, valence) of probabilities in label order, each in [0, 1].
    pub fn of(&self, probabilities: &[f32]) -> (f32, f32) {
        let axis = |places: &[f32], map: &AffectMap| {
            let place: f32 = probabilities.iter().zip(places).map(|(p, x)| p * x).sum();
            1.0 / (1.0 + (-map.slope * (place - map.centre)).exp())
        };
        (
            axis(&self.positions.arousal, &self.arousal),
            axis(&self.positions.valence, &self.valence),
        )
    }
}

/// A reference voice ([`Reference`](crate::reference::Reference)): what the training voices sound
/// like, and what a reference recording must be.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReferenceParams {
    /// The training voices' typical spectral shape: per mel band, dB relative to the power mean
    /// of the bands (`training/reference.py`).
    pub voice_shape: Vec<f32>,
    /// The shortest and longest reference, in seconds of audio (all its recordings together).
    pub min_seconds: f64,
    pub max_seconds: f64,
    /// Seconds of speech (frames at the speech gate's frame level) it must hold.
    pub min_speech_seconds: f64,
    /// A sample at or above this magnitude is clipped; a reference with a larger share of them is refused.
    pub clip_level: f32,
    pub max_clipped_fraction: f64,
    /// A file whose speech is shaped further than this from the reference (dB, [`Reference::distance`])
    /// was recorded through another microphone or room than the reference: it is judged without it.
    ///
    /// [`Reference::distance`]: crate::reference::Reference::distance
    pub max_mismatch_db: f32,
}

/// The format string this runtime reads ("/2" added `decision`, "/3" the streaming trunk and head,
/// "/4" the trunk's state, "/5" the level as a power mean, "/6" the file and segment calibrations
/// and `affect`).
pub const FORMAT: &str = "voice-emotion-model/6";

impl ModelMetadata {
    /// Parses and checks metadata JSON; every inconsistency is an [`Error::Metadata`].
    pub fn from_json(json: &[u8]) -> Result<Self> {
        // The format first: a file of another format is named as such, not by a field it lacks.
        #[derive(Deserialize)]
        struct Format {
            format: String,
        }
        let metadata_error = |e: serde_json::Error| Error::Metadata(e.to_string());
        let Format { format } = serde_json::from_slice(json).map_err(metadata_error)?;
        if format != FORMAT {
            return Err(Error::Metadata(format!(
                "format is {format:?}, this runtime reads {FORMAT:?}"
            )));
        }
        let meta: Self = serde_json::from_slice(json).map_err(metadata_error)?;
        meta.validate()?;
        Ok(meta)
    }

    fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::Metadata(msg));
        let f = &self.frontend;
        if self.labels.is_empty() {
            return bad("no labels".into());
        }
        if !(crate::audio::MIN_RATE..=crate::audio::MAX_RATE).contains(&self.sample_rate) {
            return bad(format!("sample_rate {} Hz is out of range", self.sample_rate));
        }
        if f.window != "hann" {
            return bad(format!("window {:?} is not supported (only \"hann\")", f.window));
        }
        if f.center {
            return bad("center: true is not supported by the streaming front end".into());
        }
        if f.n_fft < 2 || f.win_length == 0 || f.win_length > f.n_fft || f.hop_length == 0 {
            return bad(format!(
                "need 0 < win_length <= n_fft and hop_length > 0 (n_fft {}, win_length {}, hop_length {})",
                f.n_fft, f.win_length, f.hop_length
            ));
        }
        let nyquist = f64::from(self.sample_rate) / 2.0;
        if f.n_mels == 0 || !(0.0 <= f.fmin && f.fmin < f.fmax && f.fmax <= nyquist) {
            return bad(format!(
                "need n_mels > 0 and 0 <= fmin < fmax <= {nyquist} Hz (n_mels {}, fmin {}, fmax {})",
                f.n_mels, f.fmin, f.fmax
            ));
        }
        if f.power != 1.0 && f.power != 2.0 {
            return bad(format!("power must be 1 or 2, not {}", f.power));
        }
        if !(f.amin > 0.0 && f.reference > 0.0) {
            return bad("amin and ref must be positive".into());
        }
        let n = &self.normalization;
        if n.mean.len() != f.n_mels || n.std.len() != f.n_mels {
            return bad(format!(
                "normalization has {} means and {} stds for {} mel bands",
                n.mean.len(),
                n.std.len(),
                f.n_mels
            ));
        }
        if n.std.iter().any(|s| !(s.is_finite() && *s > 0.0)) || n.mean.iter().any(|m| !m.is_finite()) {
            return bad("normalization holds a non-finite mean or a std that is not positive".into());
        }
        let w = self.window;
        if w.frames == 0 || w.hop_frames == 0 || w.hop_frames > w.frames {
            return bad(format!(
                "need 0 < window.hop_frames <= window.frames (frames {}, hop_frames {})",
                w.frames, w.hop_frames
            ));
        }
        if !(n.level_frames > 0 && n.reference_db.is_finite()) {
            return bad("normalization needs level_frames > 0 and a finite reference_db".into());
        }
        let s = &self.stream;
        if s.step_frames == 0 || w.hop_frames % s.step_frames != 0 || s.window_steps * s.step_frames != w.frames {
            return bad(format!(
                "stream.step_frames {} must divide window.hop_frames {} and window.frames = window_steps {} x step_frames",
                s.step_frames, w.hop_frames, s.window_steps
            ));
        }
        let expected = [1, 1, f.n_mels, w.frames + s.context_frames];
        if self.input.shape != expected {
            return bad(format!("input.shape is {:?}, expected {expected:?}", self.input.shape));
        }
        let g = self.speech_gate;
        if !(0.0..=1.0).contains(&g.min_active_fraction) || !g.frame_db.is_finite() || !g.min_range_db.is_finite() {
            return bad("speech_gate thresholds are out of range".into());
        }
        let d = self.decision;
        let valid = d.temperature.is_finite()
            && d.temperature > 0.0
            && (0.0..=1.0).contains(&d.unsure_below)
            && d.smoothing_seconds.is_finite()
            && d.smoothing_seconds > 0.0
            && d.forget_after_seconds.is_finite()
            && d.forget_after_seconds >= 0.0
            && d.live_temperature.is_finite()
            && d.live_temperature > 0.0
            && d.full_confidence_seconds.is_finite()
            && d.full_confidence_seconds > 0.0
            && d.file.is_valid()
            && d.segment.is_valid();
        if !valid {
            return bad(format!(
                "decision needs temperature > 0, 0 <= unsure_below <= 1, smoothing_seconds > 0, \
                 forget_after_seconds >= 0, live_temperature > 0, full_confidence_seconds > 0, and file and segment with temperature > 0 \
                 and 0 < shortest_seconds <= longest_seconds ({d:?})"
            ));
        }
        let a = &self.affect;
        let places_ok =
            |places: &[f32]| places.len() == self.labels.len() && places.iter().all(|x| (0.0..=1.0).contains(x));
        let map_ok = |m: &AffectMap| m.slope.is_finite() && m.centre.is_finite();
        if !(places_ok(&a.positions.arousal)
            && places_ok(&a.positions.valence)
            && map_ok(&a.arousal)
            && map_ok(&a.valence))
        {
            return bad(format!(
                "affect needs a place in [0, 1] per label on each axis and finite maps ({a:?})"
            ));
        }
        if let Some(r) = &self.reference {
            let valid = r.voice_shape.len() == f.n_mels
                && r.voice_shape.iter().all(|v| v.is_finite())
                && 0.0 < r.min_seconds
                && r.min_seconds <= r.max_seconds
                && r.max_seconds.is_finite()
                && (0.0..=r.min_seconds).contains(&r.min_speech_seconds)
                && r.clip_level > 0.0
                && (0.0..=1.0).contains(&r.max_clipped_fraction)
                && r.max_mismatch_db > 0.0;
            if !valid {
                return bad(format!(
                    "reference needs a finite voice_shape of {} bands, 0 < min_seconds <= max_seconds, \
                     0 <= min_speech_seconds <= min_seconds, clip_level > 0, 0 <= max_clipped_fraction <= 1 and max_mismatch_db > 0",
                    f.n_mels
                ));
            }
        }
        Ok(())
    }

    /// Duration of one front-end hop, in seconds.
    pub fn hop_seconds(&self) -> f64 {
        self.frontend.hop_length as f64 / f64::from(self.sample_rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &[u8] = include_bytes!("../models/emotion.json");

    fn with(edit: impl FnOnce(&mut serde_json::Value)) -> Result<ModelMetadata> {
        let mut v: serde_json::Value = serde_json::from_slice(SHIPPED).unwrap();
        edit(&mut v);
        ModelMetadata::from_json(&serde_json::to_vec(&v).unwrap())
    }

    #[test]
    fn shipped_metadata_is_valid() {
        let meta = ModelMetadata::from_json(SHIPPED).unwrap();
        assert_eq!(meta.labels.len(), 8);
        assert_eq!(meta.input.shape[2], meta.frontend.n_mels);
    }

    #[test]
    fn missing_field_is_named() {
        let err = with(|v| {
            v.as_object_mut().unwrap().remove("labels");
        })
        .unwrap_err();
        assert!(err.to_string().contains("missing field `labels`"), "{err}");
    }

    #[test]
    fn another_format_is_named_before_its_fields() {
        let err = with(|v| {
            v["format"] = serde_json::json!("voice-emotion-model/2");
            v.as_object_mut().unwrap().remove("stream");
        })
        .unwrap_err();
        assert!(
            err.to_string()
                .contains(r#"format is "voice-emotion-model/2", this runtime reads "voice-emotion-model/6""#),
            "{err}"
        );
    }

    #[test]
    fn affect_is_the_logistic_of_the_weighted_place() {
        let affect = AffectParams {
            positions: AffectPositions {
                arousal: vec![0.2, 0.8],
                valence: vec![0.9, 0.1],
            },
            arousal: AffectMap {
                slope: 10.0,
                centre: 0.5,
            },
            valence: AffectMap {
                slope: 4.0,
                centre: 0.6,
            },
        };
        let (arousal, valence) = affect.of(&[0.5, 0.5]);
        assert!((arousal - 0.5).abs() < 1e-6, "{arousal}");
        // Place 0.5, centre 0.6: σ(4 × -0.1).
        assert!((valence - 1.0 / (1.0 + 0.4f32.exp())).abs() < 1e-6, "{valence}");
        let (high, unpleasant) = affect.of(&[0.0, 1.0]);
        assert!(high > 0.95 && unpleasant < 0.2, "{high} {unpleasant}");
    }

    #[test]
    fn inconsistent_values_are_rejected() {
        let err = with(|v| v["normalization"]["mean"] = serde_json::json!([0.0])).unwrap_err();
        assert!(err.to_string().contains("1 means"), "{err}");
        let err = with(|v| v["input"]["shape"] = serde_json::json!([1, 1, 64, 10])).unwrap_err();
        assert!(err.to_string().contains("input.shape"), "{err}");
        let err = with(|v| v["frontend"]["window"] = serde_json::json!("hamming")).unwrap_err();
        assert!(err.to_string().contains("hamming"), "{err}");
        let err = with(|v| v["decision"]["temperature"] = serde_json::json!(0.0)).unwrap_err();
        assert!(err.to_string().contains("temperature > 0"), "{err}");
        let err = with(|v| v["decision"]["full_confidence_seconds"] = serde_json::json!(0.0)).unwrap_err();
        assert!(err.to_string().contains("full_confidence_seconds > 0"), "{err}");
        let err = with(|v| v["stream"]["step_frames"] = serde_json::json!(7)).unwrap_err();
        assert!(err.to_string().contains("must divide window.hop_frames"), "{err}");
        let err = with(|v| v["normalization"]["level_frames"] = serde_json::json!(0)).unwrap_err();
        assert!(err.to_string().contains("level_frames > 0"), "{err}");
        let err = with(|v| v["decision"]["segment"]["shortest_seconds"] = serde_json::json!(9.0)).unwrap_err();
        assert!(err.to_string().contains("shortest_seconds <= longest_seconds"), "{err}");
        let err = with(|v| v["affect"]["positions"]["valence"][2] = serde_json::json!(1.5)).unwrap_err();
        assert!(err.to_string().contains("affect needs a place in [0, 1]"), "{err}");
        let err = with(|v| {
            v["affect"]["positions"]["arousal"].as_array_mut().unwrap().pop();
        })
        .unwrap_err();
        assert!(err.to_string().contains("affect"), "{err}");
        assert!(ModelMetadata::from_json(b"not json").is_err());
    }
}
