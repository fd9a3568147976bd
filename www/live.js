// The live view: Start/Stop, the verdict in words, the eight bars or the simple view, the last
// minute's history, and the announcements. Capture and recognition happen in wasm (Microphone);
// what is said and when comes from controller.js, shared with <voice-emotion-meter>.

import { Microphone } from "./pkg/voice_emotion.js";
import { createAffect } from "./affect.js";
import { createBars } from "./bars.js";
import { createController } from "./controller.js";
import { caveat, readingClass } from "./emotions.js";
import { createHistory } from "./history.js";

const WORKLET = new URL("capture-worklet.js", import.meta.url).href;

/**
 * Wires the live panel to `model`. `onStart` is called when listening starts (the page stops its
 * other views then: one microphone at a time). Returns `{ stop(), judgeWith(model) }`.
 */
export function setUpLive(model, onStart) {
  const section = document.getElementById("live");
  const startButton = document.getElementById("start");
  const stopButton = document.getElementById("stop");
  const simpleToggle = document.getElementById("simple-toggle");
  const micMessage = document.getElementById("mic-message");
  const dominant = document.getElementById("dominant");
  const dominantDetail = document.getElementById("dominant-detail");
  const simpleShape = document.getElementById("simple-shape");
  const simpleWord = document.getElementById("simple-word");
  const showAffect = createAffect(document.getElementById("affect"));
  const { labels, unsureBelow } = model;
  const history = createHistory(document.getElementById("history-strip"), document.getElementById("history-summary"));
  let predictions = 0;

  const caveatLine = section.querySelector(".caveat");
  const hear = (prediction) => controller.heard(prediction);
  let microphone = new Microphone(model, hear, WORKLET);
  const controller = createController({
    labels,
    unsureBelow,
    microphone: { start: () => microphone.start(), stop: () => microphone.stop() },
    bars: createBars(document.getElementById("bars"), labels),
    region: document.getElementById("announcer"),
    view: {
      // The simple view shows `word` in a shape coloured like the verdict.
      show({ state, headline, word, detail, affect: heard, reading, message }) {
        section.dataset.state = reading?.kind ?? state;
        dominant.textContent = headline;
        dominant.dataset.label = reading?.names[0] ?? "";
        dominantDetail.textContent = detail;
        showAffect(heard);
        simpleWord.textContent = word;
        simpleShape.className = `shape ${reading ? readingClass(reading) : ""}`;
        micMessage.textContent = message;
        micMessage.hidden = !message;
      },
      heard(prediction, reading) {
        if (predictions++ === 0) performance.mark("voice-emotion:first-prediction");
        history.add(prediction.time, reading);
      },
      failed(error) {
        micMessage.dataset.error = error.name;
      },
    },
  });

  startButton.addEventListener("click", async () => {
    onStart();
    startButton.disabled = true;
    if (await controller.start()) {
      stopButton.disabled = false;
      stopButton.focus();
    } else {
      startButton.disabled = false;
    }
  });

  const stop = () => {
    controller.stop();
    history.clear(); // the history is never kept beyond the session that made it
    stopButton.disabled = true;
    startButton.disabled = false;
  };
  stopButton.addEventListener("click", () => {
    stop();
    startButton.focus();
  });

  simpleToggle.addEventListener("change", () => {
    section.classList.toggle("simple", simpleToggle.checked);
  });

  startButton.disabled = false;
  simpleToggle.disabled = false;
  return {
    stop,
    /** Listens with `judging` from the next Start (the model, or the model with a reference voice). */
    judgeWith(judging) {
      stop();
      microphone.free();
      microphone = new Microphone(judging, hear, WORKLET);
      caveatLine.textContent = caveat(judging.comparesWithReference);
    },
  };
}
