//! Speech gate: does a window hold speech, or only silence or steady noise?

use crate::metadata::GateParams;

/// Decides from frame levels (total mel power in dB) whether anyone is speaking.
#[derive(Debug, Clone, Copy)]
pub struct SpeechGate {
    params: GateParams,
}

impl SpeechGate {
    pub fn new(params: GateParams) -> Self {
        Self { params }
    }

    /// When the window holds speech, how many of its frames are loud enough to count (the model's
    /// confidence grows with them); `None` otherwise. Speech is loud enough often enough, and
    /// varies ([`Self::varies`]).
    pub fn speech_frames(&self, levels_db: impl IntoIterator<Item = f32>) -> Option<usize> {
        let mut levels: Vec<f32> = levels_db.into_iter().collect();
        let active = self.active_frames(&levels);
        if levels.is_empty() || (active as f32) < self.params.min_active_fraction * levels.len() as f32 {
            return None;
        }
        self.varies(&mut levels).then_some(active)
    }

    /// Frames loud enough to be speech.
    pub fn active_frames(&self, levels_db: &[f32]) -> usize {
        levels_db.iter().filter(|l| **l >= self.params.frame_db).count()
    }

    /// Whether the levels rise and fall as syllables do (a fan's do not): their 95th and 10th
    /// percentiles at least `min_range_db` apart. Reorders `levels_db`.
    pub fn varies(&self, levels_db: &mut [f32]) -> bool {
        if levels_db.is_empty() {
            return false;
        }
        // Two order statistics, selected (linear time) rather than sorted: this runs every hop.
        let rank = |q: f32| ((levels_db.len() - 1) as f32 * q).round() as usize;
        let (low_rank, high_rank) = (rank(0.10), rank(0.95));
        let (below, high, _) = levels_db.select_nth_unstable_by(high_rank, f32::total_cmp);
        let high = *high;
        let low = if low_rank < high_rank {
            *below.select_nth_unstable_by(low_rank, f32::total_cmp).1
        } else {
            high
        };
        high - low >= self.params.min_range_db
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate() -> SpeechGate {
        SpeechGate::new(GateParams {
            frame_db: -60.0,
            min_active_fraction: 0.2,
            min_range_db: 12.0,
        })
    }

    #[test]
    fn silence_and_flat_noise_are_not_speech() {
        assert_eq!(gate().speech_frames(vec![-100.0; 300]), None);
        assert_eq!(gate().speech_frames(vec![-20.0; 300]), None);
        assert_eq!(gate().speech_frames(Vec::new()), None);
    }

    #[test]
    fn rising_and_falling_level_is_speech() {
        let syllables = (0..300).map(|t| if (t / 20) % 2 == 0 { -25.0 } else { -55.0 });
        assert!(gate().speech_frames(syllables).is_some());
    }

    #[test]
    fn the_spread_is_that_of_the_sorted_levels() {
        // Any length, any order: the same decision as sorting and reading the 10th and 95th percentiles.
        for len in [1, 2, 3, 7, 50, 299, 300] {
            let levels: Vec<f32> = (0..len).map(|i| ((i * 7919 % 101) as f32) * -0.3).collect();
            let mut sorted = levels.clone();
            sorted.sort_by(f32::total_cmp);
            let at = |q: f32| sorted[((len - 1) as f32 * q).round() as usize];
            for min_range_db in [0.0, at(0.95) - at(0.10), at(0.95) - at(0.10) + 0.01] {
                let gate = SpeechGate::new(GateParams {
                    frame_db: -100.0,
                    min_active_fraction: 0.0,
                    min_range_db,
                });
                let expected = (at(0.95) - at(0.10) >= min_range_db).then_some(len);
                assert_eq!(
                    gate.speech_frames(levels.clone()),
                    expected,
                    "{len} levels, {min_range_db} dB"
                );
            }
        }
    }

    #[test]
    fn a_single_click_is_not_speech() {
        let click = (0..300).map(|t| if t == 10 { -10.0 } else { -90.0 });
        assert_eq!(gate().speech_frames(click), None);
    }
}
