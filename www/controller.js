// The flow every live view shares (the page's live panel, <voice-emotion-meter>): Start and Stop,
// each prediction held steady (hold.js) with its numbers, the bars kept through a held pause, the
// words for every state, and an announcement when the verdict changes. A view only draws what it
// is given, so another view cannot say or announce things differently.

import { createAnnouncer } from "./announcer.js";
import { numbers, title } from "./emotions.js";
import { createVerdict } from "./hold.js";
import { microphoneMessage } from "./messages.js";

/** Screen readers hear the verdict at most this often: a change, not every half second. */
const ANNOUNCE_EVERY_MS = 3000;

/** What a state says outside a verdict: a sentence, and one word for a view without room for one. */
const WORDS = {
  idle: { headline: "Press Start and speak.", word: "Not listening" },
  stopped: { headline: "Stopped. Press Start to listen again.", word: "Stopped" },
  starting: { headline: "Starting the microphone…", word: "Starting" },
  listening: { headline: "Listening…", word: "Listening" },
  error: { headline: "Not listening", word: "Not listening" },
};

/**
 * Runs `microphone` ({ start(), stop() }) for a view; feed it the microphone's predictions with
 * `heard(prediction)`. `bars` (bars.js) follow the predictions and `region` (an ARIA live region)
 * speaks the verdict. `view.show(display)` draws each state and each held verdict:
 *   state     "idle", "starting", "listening" or "error"
 *   headline  a sentence; word  the same in one word or two
 *   detail    the numbers behind the verdict ("" outside one)
 *   affect    the newest emotion heard while speech is the verdict ({ arousal, valence }), else null
 *   reading   the verdict held while listening (emotions.js `reading`), else null
 *   message   why the microphone did not start ("" when it did)
 * Optional: `view.heard(prediction, reading)` after every prediction (reading null until one has
 * led for the hold time), `view.changed(reading)` when the verdict changes, `view.failed(error)`
 * when the microphone does not start. `start()` resolves to whether the microphone is listening.
 */
export function createController({ labels, unsureBelow, microphone, bars, region, view }) {
  const verdict = createVerdict(labels, unsureBelow, bars);
  const announcer = createAnnouncer(region, ANNOUNCE_EVERY_MS);
  let state = "idle";
  let said = null; // the verdict last announced

  /** Enters state `next` and draws it (a verdict is drawn in the state it is heard in). */
  const show = (next, display) => {
    state = next;
    view.show({ state, detail: "", affect: null, reading: null, message: "", ...display });
  };

  show("idle", WORDS.idle);
  return {
    async start() {
      if (state === "starting" || state === "listening") return false;
      verdict.reset();
      announcer.reset();
      said = null;
      show("starting", WORDS.starting);
      try {
        await microphone.start();
        if (state !== "starting") return false; // stopped meanwhile
        show("listening", WORDS.listening);
        return true;
      } catch (error) {
        show("error", { ...WORDS.error, message: microphoneMessage(error) });
        view.failed?.(error);
        return false;
      }
    },

    stop() {
      if (state !== "starting" && state !== "listening") return;
      microphone.stop();
      bars.clear();
      show("idle", WORDS.stopped);
      announcer.say(WORDS.stopped.word);
    },

    heard(prediction) {
      const reading = verdict.heard(prediction);
      view.heard?.(prediction, reading);
      if (!reading) return; // nothing has led long enough yet: still "Listening…"
      const speech = reading.kind !== "no-speech";
      show(state, {
        headline: speech ? reading.headline : "Listening — no speech",
        word: title(reading.word),
        detail: speech ? numbers(reading, verdict.latest.probabilities, labels) : "",
        affect: speech ? verdict.latest : null,
        reading,
      });
      if (reading === said) return;
      said = reading;
      announcer.say(reading.headline);
      view.changed?.(reading);
    },
  };
}
