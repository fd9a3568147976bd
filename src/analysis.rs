//! Whole-clip analysis: an overall emotion over the speech, and a timeline of segments.

use serde::{Deserialize, Serialize};

use crate::emotion::{Emotion, argmax};
use crate::error::Result;
use crate::mel_stream::MelStream;
use crate::metadata::StretchCalibration;
use crate::model::{EmotionModel, softmax};
use crate::reference::{ReferenceCheck, ReferenceError};
use crate::stream::{WindowScore, WindowScorer};

/// What a clip sounds like overall and over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Length of the clip, in seconds.
    pub duration: f64,
    /// Time during which the speech gate heard speech, in seconds.
    pub speech_seconds: f64,
    /// Mean over the windows with speech (weighted by how much audio each holds), shown as the
    /// metadata's `decision.file` says; `None` if none.
    pub overall: Option<Emotion>,
    /// Consecutive stretches with the same dominant label (or no speech), in time order.
    pub timeline: Vec<Segment>,
    /// Why the clip was judged without the model's reference voice, in words: its speech was
    /// heard through another microphone or room. `None` when it was judged as the model is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_mismatch: Option<String>,
}

/// A stretch of the clip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// In seconds from the start of the clip.
    pub start: f64,
    pub end: f64,
    /// Its windows' mean, shown as the metadata's `decision.segment` says; `None` when nobody
    /// speaks in this stretch.
    pub emotion: Option<Emotion>,
}

/// Analyses a clip fed in pieces (for files too long to hold in memory). With a model that judges
/// against a reference voice, the clip's first minute is held until its speech says whether it was
/// heard through the reference's microphone and room; if not, it is judged without the reference
/// ([`Analysis::reference_mismatch`]).
pub struct Analyzer {
    frames: MelStream,
    check: Option<ReferenceCheck>,
    mismatch: Option<ReferenceError>,
    scorer: WindowScorer,
    ended: bool,
    input_rate: u32,
    samples_in: u64,
    windows: Vec<WindowScore>,
}

impl Analyzer {
    /// An analyzer of a recording of mono audio at `input_rate` Hz.
    pub fn new(model: EmotionModel, input_rate: u32) -> Result<Self> {
        let mut analyzer = Self::unchecked(model, input_rate)?;
        analyzer.check = ReferenceCheck::new(analyzer.scorer.model());
        Ok(analyzer)
    }

    /// The same, scoring each window as it completes: for audio heard live through the microphone
    /// the reference voice was recorded with ([`crate::Attempt`]), which is not checked.
    pub(crate) fn unchecked(model: EmotionModel, input_rate: u32) -> Result<Self> {
        Ok(Self {
            frames: MelStream::new(model.metadata(), input_rate)?,
            scorer: WindowScorer::new(model)?,
            check: None,
            mismatch: None,
            ended: false,
            input_rate,
            samples_in: 0,
            windows: Vec::new(),
        })
    }

    /// Consumes the next mono samples of the clip.
    pub fn push(&mut self, samples: &[f32]) -> Result<()> {
        self.frames.feed(samples)?;
        self.samples_in += samples.len() as u64;
        self.take_frames()
    }

    /// Scores (or holds, while the reference check listens) the frames the samples completed.
    fn take_frames(&mut self) -> Result<()> {
        while let Some(frame) = self.frames.next_frame() {
            let heard_enough = match &mut self.check {
                Some(check) => check.hold(frame),
                None => {
                    self.scorer.push(frame, &mut self.windows)?;
                    false
                }
            };
            if heard_enough {
                self.decide()?;
            }
        }
        Ok(())
    }

    /// Ends the reference check: the clip is judged with the reference or, heard through another
    /// microphone or room, without it; the frames it held are scored.
    fn decide(&mut self) -> Result<()> {
        let Some(check) = self.check.take() else {
            return Ok(());
        };
        let (held, mismatch) = check.decide();
        if mismatch.is_some() {
            self.scorer = WindowScorer::new(self.scorer.model().with_reference(None)?)?;
        }
        self.mismatch = mismatch;
        held.iter()
            .try_for_each(|frame| self.scorer.push(frame, &mut self.windows))
    }

    /// Ends the clip's input: its last samples framed and the reference check decided, so
    /// [`Self::reference_mismatch`] is final (`finish` does it too).
    pub fn end(&mut self) -> Result<()> {
        if !self.ended {
            self.ended = true;
            self.frames.end();
            self.take_frames()?;
        }
        self.decide()
    }

    /// Why the clip is judged without the model's reference voice, once that is decided (a minute
    /// in, or at its [`end`](Self::end)).
    pub fn reference_mismatch(&self) -> Option<&ReferenceError> {
        self.mismatch.as_ref()
    }

    /// Seconds of audio consumed so far.
    pub fn seconds(&self) -> f64 {
        self.samples_in as f64 / f64::from(self.input_rate)
    }

    /// The windows scored so far.
    pub(crate) fn windows(&self) -> &[WindowScore] {
        &self.windows
    }

    /// Scores the end of the clip and summarizes it.
    pub fn finish(mut self) -> Result<Analysis> {
        self.end()?;
        self.scorer.flush(&mut self.windows)?;
        let meta = self.scorer.model().metadata();
        let decision = meta.decision;
        let duration = self.seconds();
        let windows = &self.windows;
        let centre = |w: &WindowScore| ((w.start + w.end) / 2.0).min(duration);
        // Each window speaks for the stretch nearer its centre than its neighbours'.
        let slots: Vec<(f64, f64)> = (0..windows.len())
            .map(|i| {
                let start = if i == 0 {
                    0.0
                } else {
                    (centre(&windows[i - 1]) + centre(&windows[i])) / 2.0
                };
                let end = windows
                    .get(i + 1)
                    .map_or(duration, |next| (centre(&windows[i]) + centre(next)) / 2.0);
                (start, end.max(start))
            })
            .collect();

        let speech_seconds: f64 = windows
            .iter()
            .zip(&slots)
            .filter(|(w, _)| w.probabilities.is_some())
            .map(|(_, (s, e))| e - s)
            .sum();
        let overall = mean(
            windows
                .iter()
                .filter_map(|w| w.probabilities.as_deref().map(|p| (p, w.frames as f32))),
        )
        .map(|p| Emotion::from_probabilities(meta, calibrated(&p, speech_seconds, &decision.file)));

        let mut timeline: Vec<(Segment, Vec<&[f32]>)> = Vec::new();
        for (w, &(start, end)) in windows.iter().zip(&slots) {
            let label = w.probabilities.as_deref().map(argmax);
            match timeline.last_mut() {
                Some((seg, probs)) if probs.first().map(|p| argmax(p)) == label => {
                    seg.end = end;
                    probs.extend(w.probabilities.as_deref());
                }
                _ => timeline.push((
                    Segment {
                        start,
                        end,
                        emotion: None,
                    },
                    w.probabilities.as_deref().into_iter().collect(),
                )),
            }
        }
        let timeline = timeline
            .into_iter()
            .map(|(mut seg, probs)| {
                let seconds = seg.end - seg.start;
                seg.emotion = mean(probs.into_iter().map(|p| (p, 1.0)))
                    .map(|mean| Emotion::from_probabilities(meta, calibrated(&mean, seconds, &decision.segment)));
                seg
            })
            .collect();
        Ok(Analysis {
            duration,
            speech_seconds,
            overall,
            timeline,
            reference_mismatch: self.mismatch.as_ref().map(ToString::to_string),
        })
    }
}

/// Weighted mean of probability vectors; `None` for none.
fn mean<'a>(items: impl Iterator<Item = (&'a [f32], f32)>) -> Option<Vec<f32>> {
    let mut sum: Option<Vec<f32>> = None;
    let mut total = 0.0;
    for (p, weight) in items {
        let acc = sum.get_or_insert_with(|| vec![0.0; p.len()]);
        acc.iter_mut().zip(p).for_each(|(a, x)| *a += weight * x);
        total += weight;
    }
    sum.map(|s| s.into_iter().map(|x| x / total).collect())
}

/// What a stretch of `seconds` shows for its windows' mean probabilities (see [`StretchCalibration`]).
fn calibrated(mean: &[f32], seconds: f64, c: &StretchCalibration) -> Vec<f32> {
    let seconds = seconds.clamp(c.shortest_seconds, c.longest_seconds);
    let scale = seconds.powf(f64::from(c.seconds_exponent)) as f32 / c.temperature;
    let logits: Vec<f32> = mean.iter().map(|p| p.max(f32::MIN_POSITIVE).ln() * scale).collect();
    softmax(&logits)
}

/// Analyses a whole mono clip at `sample_rate` Hz: the function the page and the CLI share.
pub fn analyze(model: &EmotionModel, samples: &[f32], sample_rate: u32) -> Result<Analysis> {
    let mut analyzer = Analyzer::new(model.clone(), sample_rate)?;
    analyzer.push(samples)?;
    analyzer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stretch(temperature: f32, seconds_exponent: f32) -> StretchCalibration {
        StretchCalibration {
            temperature,
            seconds_exponent,
            shortest_seconds: 0.5,
            longest_seconds: 4.0,
        }
    }

    #[test]
    fn calibration_keeps_the_label_and_sharpens_below_one() {
        let mean = [0.5, 0.3, 0.2, 0.0];
        let same = calibrated(&mean, 2.0, &stretch(1.0, 0.0));
        assert!(same.iter().zip(mean).all(|(a, b)| (a - b).abs() < 1e-6));
        let sharper = calibrated(&mean, 2.0, &stretch(0.5, 0.0));
        // p^2 normalized: 0.25 / 0.38.
        assert!((sharper[0] - 0.25 / 0.38).abs() < 1e-6, "{sharper:?}");
        assert_eq!(argmax(&sharper), 0);
        let softer = calibrated(&mean, 2.0, &stretch(2.0, 0.0));
        assert!(softer[0] < 0.5 && argmax(&softer) == 0 && softer[3] < 1e-15);
    }

    #[test]
    fn longer_stretches_are_sharper_within_the_fitted_range() {
        let mean = [0.5, 0.3, 0.2];
        let at = |seconds| calibrated(&mean, seconds, &stretch(1.0, 0.5))[0];
        // At 1 s the scale is 1; at 4 s, 2: p^2 normalized.
        assert!((at(1.0) - 0.5).abs() < 1e-6);
        assert!((at(4.0) - 0.25 / 0.38).abs() < 1e-6);
        // Outside the range the nearest end holds: no extrapolation.
        assert_eq!(at(60.0), at(4.0));
        assert_eq!(at(0.1), at(0.5));
        assert!(at(0.5) < at(1.0) && at(1.0) < at(2.0));
    }
}
