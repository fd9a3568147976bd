// The live view: Start/Stop, the eight bars, the verdict in words, and its announcements.
// Capture and recognition happen in wasm (Microphone); this module only shows predictions.

import { Microphone } from "./pkg/voice_emotion.js";
import { createAnnouncer } from "./announcer.js";
import { colourClass, percent, title, verdict } from "./emotions.js";

const ANNOUNCE_EVERY_MS = 3000;

export function setUpLive(recognizer) {
  const section = document.getElementById("live");
  const startButton = document.getElementById("start");
  const stopButton = document.getElementById("stop");
  const message = document.getElementById("mic-message");
  const headline = document.getElementById("dominant");
  const detail = document.getElementById("dominant-detail");
  const announcer = createAnnouncer(document.getElementById("announcer"), ANNOUNCE_EVERY_MS);
  const bars = createBars(document.getElementById("bars"), recognizer.labels);
  const unsureBelow = recognizer.unsureBelow;
  let predictions = 0;

  const show = (state, words, more = "", label = "") => {
    section.dataset.state = state;
    headline.textContent = words;
    headline.dataset.label = label;
    detail.textContent = more;
  };

  const onPrediction = (prediction) => {
    if (predictions++ === 0) performance.mark("voice-emotion:first-prediction");
    const emotion = prediction.emotion;
    if (!emotion) {
      bars.clear();
      show("no-speech", "Listening — no speech");
      announcer.say("No speech");
      return;
    }
    bars.set(emotion);
    const { sure, headline: words, detail: more } = verdict(emotion, unsureBelow);
    show(sure ? "speech" : "unsure", words, more, emotion.label);
    announcer.say(sure ? `Sounds ${emotion.label}` : "Not sure");
  };

  const microphone = new Microphone(recognizer, onPrediction, new URL("capture-worklet.js", import.meta.url).href);

  startButton.addEventListener("click", async () => {
    startButton.disabled = true;
    message.hidden = true;
    announcer.reset();
    show("starting", "Starting the microphone…");
    try {
      await microphone.start();
      stopButton.disabled = false;
      stopButton.focus();
      show("listening", "Listening…");
    } catch (error) {
      message.textContent = error.message;
      message.dataset.error = error.name;
      message.hidden = false;
      show("error", "Not listening");
      startButton.disabled = false;
    }
  });

  stopButton.addEventListener("click", () => {
    microphone.stop();
    bars.clear();
    show("idle", "Stopped. Press Start to listen again.");
    announcer.say("Stopped");
    stopButton.disabled = true;
    startButton.disabled = false;
    startButton.focus();
  });

  show("idle", "Press Start and speak.");
  startButton.disabled = false;
}

/** One row per label: name, bar and percentage, in `list`; `set(emotion)` and `clear()` draw them. */
export function createBars(list, labels) {
  const rows = labels.map((label) => {
    const row = document.createElement("li");
    row.className = `bar ${colourClass(label)}`;
    row.dataset.label = label;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = title(label);
    const track = document.createElement("span");
    track.className = "track";
    track.setAttribute("aria-hidden", "true");
    const fill = document.createElement("span");
    fill.className = "fill";
    track.append(fill);
    const value = document.createElement("span");
    value.className = "value";
    row.append(name, track, value);
    list.append(row);
    return { row, fill, value };
  });

  const draw = (probabilities, dominant) =>
    rows.forEach(({ row, fill, value }, i) => {
      const p = probabilities[i];
      // Set through the CSSOM, which the CSP allows (style attributes in markup it would not).
      fill.style.transform = `scaleX(${p})`;
      value.textContent = percent(p);
      row.dataset.probability = p.toFixed(4);
      row.classList.toggle("dominant-bar", i === dominant);
    });

  const clear = () => draw(labels.map(() => 0), -1);
  clear();
  return {
    set: (emotion) => draw(emotion.probabilities, labels.indexOf(emotion.label)),
    clear,
  };
}
