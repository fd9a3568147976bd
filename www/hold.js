// Hysteresis for the live headline: it changes only when another reading has led for a while,
// so near-ties, a single odd half-second and the first half-second of speech (scored from a
// window that holds little of it) do not make it flip.

import { reading } from "./emotions.js";

/**
 * Seconds of audio for which another reading must lead before the headline shows it, from the
 * first prediction in which it leads: four predictions 0.5 s apart. Long enough to ride out one or
 * two contrary hops, short enough to follow a real change.
 */
export const HOLD_SECONDS = 1.5;
/** Prediction times are sums of float hops; this absorbs their rounding. */
const TIME_SLACK = 1e-6;

/**
 * Follows successive readings (`emotions.js` `reading`, compared by `key`); `update(reading, time)`
 * returns the reading to show, or null until one has led for `holdSeconds`. Speech itself counts
 * too: once speech (any reading but "no speech") has gone on for `holdSeconds` while the headline
 * says no speech, or nothing yet, the newest reading shows even if none led for that long, so an
 * utterance whose readings take turns is never shown as silence.
 */
export function createHold(holdSeconds = HOLD_SECONDS) {
  let shown = null;
  let candidate = null;
  let since = 0;
  let speechSince = null; // when the present run of speech began
  const held = (from, time) => time - from >= holdSeconds - TIME_SLACK;
  return {
    update(reading, time) {
      const speech = reading.kind !== "no-speech";
      if (!speech) speechSince = null;
      else speechSince ??= time;
      // The same key keeps its first words: "calm or sad" does not turn into "sad or calm".
      if (reading.key === shown?.key) {
        candidate = null;
      } else {
        if (reading.key !== candidate?.key) since = time;
        candidate = reading;
        const silent = !shown || shown.kind === "no-speech";
        if (held(since, time) || (speech && silent && held(speechSince, time))) {
          shown = reading;
          candidate = null;
        }
      }
      return shown;
    },
    reset() {
      shown = candidate = speechSince = null;
    },
  };
}

/**
 * The live verdict as the page and `<voice-emotion-meter>` show it: each prediction read
 * (`emotions.js`) and held steady, and `bars` (bars.js), which follow every prediction but keep the
 * last speech through a pause the verdict holds. `heard(prediction)` returns the reading to show, or
 * null; `latest` is the newest emotion heard (for the numbers under a held verdict).
 */
export function createVerdict(labels, unsureBelow, bars) {
  const hold = createHold();
  let latest = null;
  return {
    heard({ emotion, time }) {
      if (emotion) latest = emotion;
      const shown = hold.update(reading(emotion, labels, unsureBelow), time);
      if (emotion) bars.set(emotion);
      else if (shown?.kind !== "speech" && shown?.kind !== "unsure") bars.clear();
      return shown;
    },
    get latest() {
      return latest;
    },
    reset() {
      hold.reset();
      latest = null;
    },
  };
}
