// The live view: Start/Stop, the verdict in words (held steady, see hold.js), the eight bars or
// the simple view, the last minute's history, and the announcements.
// Capture and recognition happen in wasm (Microphone); this module only shows predictions.

import { Microphone } from "./pkg/voice_emotion.js";
import { createAnnouncer } from "./announcer.js";
import { createBars } from "./bars.js";
import { numbers, readingClass, title } from "./emotions.js";
import { createHistory } from "./history.js";
import { createVerdict } from "./hold.js";
import { microphoneMessage } from "./messages.js";

const ANNOUNCE_EVERY_MS = 3000;

export function setUpLive(model) {
  const section = document.getElementById("live");
  const startButton = document.getElementById("start");
  const stopButton = document.getElementById("stop");
  const simpleToggle = document.getElementById("simple-toggle");
  const message = document.getElementById("mic-message");
  const headline = document.getElementById("dominant");
  const detail = document.getElementById("dominant-detail");
  const simpleShape = document.getElementById("simple-shape");
  const simpleWord = document.getElementById("simple-word");
  const announcer = createAnnouncer(document.getElementById("announcer"), ANNOUNCE_EVERY_MS);
  const { labels, unsureBelow } = model;
  const bars = createBars(document.getElementById("bars"), labels);
  const history = createHistory(document.getElementById("history-strip"), document.getElementById("history-summary"));
  const verdict = createVerdict(labels, unsureBelow, bars);
  let predictions = 0;

  /** `word` is the simple view's big word; `shape` the classes of its shape (colour and form). */
  const show = (state, words, { more = "", label = "", word = "", shape = "" } = {}) => {
    section.dataset.state = state;
    headline.textContent = words;
    headline.dataset.label = label;
    detail.textContent = more;
    simpleWord.textContent = word;
    simpleShape.className = `shape ${shape}`;
  };

  const onPrediction = (prediction) => {
    if (predictions++ === 0) performance.mark("voice-emotion:first-prediction");
    const shown = verdict.heard(prediction);
    history.add(prediction.time, shown);
    if (!shown) return; // nothing has led long enough yet: still "Listening…"
    if (shown.kind === "no-speech") {
      show("no-speech", "Listening — no speech", { word: "No speech", shape: "no-speech" });
    } else {
      show(shown.kind, shown.headline, {
        more: numbers(shown, verdict.latest.probabilities, labels),
        label: shown.names[0],
        word: title(shown.word),
        shape: readingClass(shown),
      });
    }
    announcer.say(shown.headline);
  };

  const microphone = new Microphone(model, onPrediction, new URL("capture-worklet.js", import.meta.url).href);

  startButton.addEventListener("click", async () => {
    startButton.disabled = true;
    message.hidden = true;
    announcer.reset();
    verdict.reset(); // the history needs no reset: Stop erased it
    show("starting", "Starting the microphone…", { word: "Starting" });
    try {
      await microphone.start();
      stopButton.disabled = false;
      stopButton.focus();
      show("listening", "Listening…", { word: "Listening" });
    } catch (error) {
      message.textContent = microphoneMessage(error);
      message.dataset.error = error.name;
      message.hidden = false;
      show("error", "Not listening", { word: "Not listening" });
      startButton.disabled = false;
    }
  });

  stopButton.addEventListener("click", () => {
    microphone.stop();
    bars.clear();
    history.clear(); // the history is never kept beyond the session that made it
    show("idle", "Stopped. Press Start to listen again.", { word: "Stopped" });
    announcer.say("Stopped");
    stopButton.disabled = true;
    startButton.disabled = false;
    startButton.focus();
  });

  simpleToggle.addEventListener("change", () => {
    section.classList.toggle("simple", simpleToggle.checked);
  });

  show("idle", "Press Start and speak.", { word: "Not listening" });
  startButton.disabled = false;
  simpleToggle.disabled = false;
}
