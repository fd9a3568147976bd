// The practice view: pick how you mean to sound, read a sentence, hear how it came across. Each
// attempt is recorded and analysed in wasm (AttemptRecorder: it ends by itself after a pause, and
// reads as a file of the same audio would); the attempts of this visit stay in this module's
// memory only.

import { AttemptRecorder } from "./pkg/voice_emotion.js";
import { createAffect } from "./affect.js";
import { adjective, attemptAnswer, caveat, colourClass, percent, readingClass, title } from "./emotions.js";
import { microphoneMessage } from "./messages.js";

const WORKLET = new URL("capture-worklet.js", import.meta.url).href;

/** Sentences whose words carry no feeling, so that only the voice does (the first two are RAVDESS's). */
export const SENTENCES = [
  "Kids are talking by the door.",
  "Dogs are sitting by the door.",
  "The train leaves at ten past nine.",
  "I put the cups back in the cupboard.",
  "The shop on the corner opens at eight.",
  "There are three chairs in the kitchen.",
  "The letter came on Tuesday morning.",
  "We walked to the station and back.",
];

/** What the status line says in each state of an attempt. */
const STATUS = {
  idle: "Press Start, then read the sentence aloud. It stops by itself when you pause.",
  starting: "Starting the microphone…",
  waiting: "Listening. Read the sentence now.",
  hearing: "Hearing you. Pause when you have finished, or press Stop.",
  done: "",
  error: "",
};

/**
 * Wires the practice panel to `model`. `onStart` is called when an attempt starts (the page stops
 * its other views then: one microphone at a time). Returns `{ stop(), judgeWith(model) }`; `stop`
 * abandons an attempt.
 */
export function setUpPractice(model, onStart) {
  const section = document.getElementById("practice");
  const targets = document.getElementById("practice-targets");
  const sentence = document.getElementById("practice-sentence");
  const another = document.getElementById("practice-another");
  const startButton = document.getElementById("practice-start");
  const stopButton = document.getElementById("practice-stop");
  const again = document.getElementById("practice-again");
  const message = document.getElementById("practice-message");
  const status = document.getElementById("practice-status");
  const seconds = document.getElementById("practice-seconds");
  const result = document.getElementById("practice-result");
  const verdict = document.getElementById("practice-verdict");
  const scoreLabel = document.getElementById("practice-score-label");
  const scoreMeter = document.getElementById("practice-score");
  const scoreWords = document.getElementById("practice-score-words");
  const attemptsBody = document.getElementById("practice-attempts");
  const announcer = document.getElementById("practice-announcer");
  const showAffect = createAffect(document.getElementById("practice-affect"));
  const { labels, unsureBelow } = model;
  const attempts = []; // this visit's: { target, sounded, score }; never stored
  let next = 0; // the sentence shown
  let target = labels[0];
  let heardSpeech = false;

  for (const label of labels) {
    const choice = document.createElement("label");
    choice.className = `target ${colourClass(label)}`;
    const radio = Object.assign(document.createElement("input"), { type: "radio", name: "practice-target", value: label });
    radio.checked = label === target;
    choice.append(radio, " ", title(adjective(label)));
    targets.append(choice);
  }
  targets.addEventListener("change", (event) => (target = event.target.value));

  const showSentence = () => (sentence.textContent = SENTENCES[next % SENTENCES.length]);
  another.addEventListener("click", () => {
    next += 1;
    showSentence();
  });
  showSentence();

  const setState = (state, text = STATUS[state]) => {
    section.dataset.state = state;
    status.textContent = text;
    const recording = ["starting", "waiting", "hearing"].includes(state);
    startButton.disabled = recording;
    again.disabled = recording;
    stopButton.disabled = !recording || state === "starting";
    targets.disabled = recording;
    if (!recording) seconds.textContent = "";
  };

  const caveatLine = result.querySelector(".caveat");
  let judging = model;
  const recorderFor = (judged) =>
    new AttemptRecorder(
      judged,
      (progress) => {
        seconds.textContent = `${Math.floor(progress.seconds)} s`;
        if (progress.heardSpeech !== heardSpeech) {
          heardSpeech = progress.heardSpeech;
          setState(heardSpeech ? "hearing" : "waiting");
        }
      },
      (analysis) => ended(analysis),
      WORKLET,
    );
  let recorder = recorderFor(model);

  function ended(analysis) {
    if (analysis instanceof Error) {
      setState("error");
      showMessage(`The attempt could not be analysed: ${analysis.message}`);
      startButton.focus();
      return;
    }
    const answer = attemptAnswer(analysis.overall, target, labels, unsureBelow);
    attempts.push({ target, sounded: answer.reading.name, score: answer.score });
    result.hidden = false;
    result.dataset.reading = answer.reading.key;
    verdict.textContent = answer.verdict;
    verdict.className = `dominant ${readingClass(answer.reading)}`;
    scoreLabel.textContent = `${title(adjective(target))}:`;
    scoreMeter.value = answer.score ?? 0;
    scoreWords.textContent = answer.score === null ? "no speech" : percent(answer.score);
    showAffect(analysis.overall);
    caveatLine.textContent = caveat(judging.comparesWithReference);
    addRow(attempts.length, attempts.at(-1));
    setState("done");
    announcer.textContent = answer.verdict;
    again.focus();
  }

  function addRow(number, { target, sounded, score }) {
    const row = document.createElement("tr");
    for (const text of [String(number), title(adjective(target)), sounded, score === null ? "–" : percent(score)]) {
      row.append(Object.assign(document.createElement("td"), { textContent: text }));
    }
    attemptsBody.append(row);
    section.classList.add("has-attempts");
  }

  const showMessage = (text) => {
    message.textContent = text;
    message.hidden = !text;
  };

  async function start() {
    onStart();
    showMessage("");
    announcer.textContent = "";
    heardSpeech = false;
    setState("starting");
    try {
      await recorder.start();
      if (section.dataset.state === "starting") setState("waiting");
      stopButton.focus();
    } catch (error) {
      setState("error");
      showMessage(microphoneMessage(error));
      startButton.focus();
    }
  }

  startButton.addEventListener("click", start);
  again.addEventListener("click", start);
  // Stop ends the attempt and gives the answer for what it heard.
  stopButton.addEventListener("click", () => recorder.finish());

  const stop = () => {
    if (!recorder.running && section.dataset.state !== "starting") return;
    recorder.stop();
    setState("idle");
  };
  setState("idle");
  return {
    stop,
    /** Records the next attempts with `judging` (the model, or the model with a reference voice). */
    judgeWith(judged) {
      stop();
      recorder.free();
      judging = judged;
      recorder = recorderFor(judged);
    },
  };
}
