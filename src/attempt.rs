//! One spoken attempt, recorded live (the page's practice view): analysed exactly as a file of the
//! same audio would be, and ended by itself once the speaker has spoken and then paused.

use crate::analysis::{Analysis, Analyzer};
use crate::error::Result;
use crate::model::EmotionModel;

/// A pause this long after speech ends the attempt: longer than the gaps between a sentence's
/// words, short enough that the answer follows the sentence.
pub const PAUSE_SECONDS: f64 = 1.0;
/// An attempt ends by itself after this long, speech or not (a sentence or two; a room too noisy
/// for a pause to be heard still gets an answer).
pub const LONGEST_SECONDS: f64 = 20.0;

/// A recording in progress: push the microphone's samples until [`Attempt::push`] says it has
/// ended (or the person stops it), then [`Attempt::finish`].
pub struct Attempt {
    analyzer: Analyzer,
    /// Windows of the analyzer already looked at.
    seen: usize,
    heard_speech: bool,
    ended: bool,
}

impl Attempt {
    /// An attempt for mono audio at `input_rate` Hz.
    pub fn new(model: EmotionModel, input_rate: u32) -> Result<Self> {
        Ok(Self {
            analyzer: Analyzer::unchecked(model, input_rate)?,
            seen: 0,
            heard_speech: false,
            ended: false,
        })
    }

    /// Consumes the next mono samples and returns whether the attempt has ended; once it has,
    /// samples are ignored (the pause that ended it is already in).
    pub fn push(&mut self, samples: &[f32]) -> Result<bool> {
        if self.ended {
            return Ok(true);
        }
        self.analyzer.push(samples)?;
        for window in &self.analyzer.windows()[self.seen..] {
            let speech = window.probabilities.is_some();
            // Quiet frames end it in a quiet room; in a noisy one, the gate's verdict does.
            if self.heard_speech && (!speech || window.quiet_seconds >= PAUSE_SECONDS) {
                self.ended = true;
            }
            self.heard_speech |= speech;
        }
        self.seen = self.analyzer.windows().len();
        self.ended |= self.analyzer.seconds() >= LONGEST_SECONDS;
        Ok(self.ended)
    }

    /// Seconds recorded so far.
    pub fn seconds(&self) -> f64 {
        self.analyzer.seconds()
    }

    /// Whether the speech gate has heard anyone yet.
    pub fn heard_speech(&self) -> bool {
        self.heard_speech
    }

    /// Analyses the attempt as a whole (its `overall` is `None` when nobody spoke).
    pub fn finish(self) -> Result<Analysis> {
        self.analyzer.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze;

    const RATE: u32 = 16_000;

    /// A voice-like sound: a 200 Hz buzz whose loudness rises and falls four times a second.
    fn syllables(seconds: f64) -> Vec<f32> {
        (0..(seconds * f64::from(RATE)) as usize)
            .map(|i| {
                let t = i as f32 / RATE as f32;
                let envelope = (std::f32::consts::TAU * 4.0 * t).sin().max(0.0);
                0.3 * envelope * (std::f32::consts::TAU * 200.0 * t).sin()
            })
            .collect()
    }

    /// Pushes `samples` in 128-sample chunks (an audio worklet's) until the attempt ends; returns
    /// how many samples it took.
    fn record(attempt: &mut Attempt, samples: &[f32]) -> Option<usize> {
        let mut taken = 0;
        for chunk in samples.chunks(128) {
            taken += chunk.len();
            if attempt.push(chunk).unwrap() {
                return Some(taken);
            }
        }
        None
    }

    #[test]
    fn speech_then_a_pause_ends_it_and_it_reads_as_a_file_would() {
        let model = EmotionModel::shipped().unwrap();
        let mut audio = syllables(3.0);
        audio.extend(vec![0.0; 5 * RATE as usize]);
        let mut attempt = Attempt::new(model.clone(), RATE).unwrap();
        let taken = record(&mut attempt, &audio).expect("the pause did not end it");
        let ended_after = taken as f64 / f64::from(RATE) - 3.0;
        // The pause, plus at most a hop before the next window looks.
        assert!(
            (PAUSE_SECONDS..PAUSE_SECONDS + 0.6).contains(&ended_after),
            "{ended_after} s into the pause"
        );
        assert!(attempt.heard_speech());
        // Samples after the end are not taken.
        assert!(attempt.push(&[0.5; 4000]).unwrap());
        let analysis = attempt.finish().unwrap();
        assert!(analysis.overall.is_some());
        assert_eq!(analysis, analyze(&model, &audio[..taken], RATE).unwrap());
    }

    #[test]
    fn steady_noise_after_speech_ends_it_by_the_gate() {
        let model = EmotionModel::shipped().unwrap();
        let mut audio = syllables(3.0);
        // A hum well above the gate's frame level: never a quiet frame, but not speech either.
        audio.extend((0..10 * RATE as usize).map(|i| 0.1 * (i as f32 * 0.2).sin()));
        let mut attempt = Attempt::new(model, RATE).unwrap();
        let taken = record(&mut attempt, &audio).expect("the hum did not end it");
        assert!(taken < 8 * RATE as usize, "ended {} s in", taken / RATE as usize);
    }

    #[test]
    fn silence_alone_ends_at_the_longest_with_no_speech() {
        let model = EmotionModel::shipped().unwrap();
        let mut attempt = Attempt::new(model, RATE).unwrap();
        let taken = record(&mut attempt, &vec![0.0; 25 * RATE as usize]).expect("it never ended");
        assert!((taken as f64 / f64::from(RATE) - LONGEST_SECONDS).abs() < 0.01);
        assert!(!attempt.heard_speech());
        assert_eq!(attempt.finish().unwrap().overall, None);
    }
}
