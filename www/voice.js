// "Teach it your everyday voice": three sentences read as the person usually talks, recorded in
// wasm (VoiceRecorder: seconds and speech heard, then the core's check), or a recording of that
// voice chosen as a file; from then on every view compares a voice with it. The reference lives in
// this module's memory only: nothing is stored, and "Forget my voice" drops it; its owner may save
// it to a file of their own ("Save my voice to a file") and choose that file on a later visit.

import { VoiceRecorder } from "./pkg/voice_emotion.js";
import { decodeFile } from "./decode.js";
import { microphoneMessage } from "./messages.js";
import { saveFile } from "./save.js";

const WORKLET = new URL("capture-worklet.js", import.meta.url).href;

/** Everyday statements with no feeling in their words, about 15 s read aloud. */
export const SENTENCES = [
  "I usually get up at seven and have tea with my breakfast.",
  "The bus stop is at the end of our street, next to the bakery.",
  "On Saturdays I tidy the flat, and then I go out for a walk.",
];

/** Seconds of speech that three sentences give: where the progress bar is full. */
const SPEECH_GOAL = 8;

const STATUS = {
  idle: "Not set: the views compare voices with the voices the model was trained on.",
  starting: "Starting the microphone…",
  recording: "Recording. Read the three sentences, then press Done.",
  checking: "Checking the recording…",
  set: "Set: the views compare voices with your everyday voice.",
};

/**
 * Wires the voice panel for `model`, shown only if the model takes a reference. `onStart` is called
 * when recording starts (the page stops its other views then: one microphone at a time);
 * `onChange(judging)` gets the model the views should use: `model` judging against the voice, or
 * `model` itself when it is forgotten. Returns `{ stop() }`, which abandons a recording.
 */
export function setUpVoice(model, { onStart, onChange }) {
  const section = document.getElementById("voice");
  if (!model.takesReference) return { stop() {} };
  const startButton = document.getElementById("voice-start");
  const doneButton = document.getElementById("voice-done");
  const cancelButton = document.getElementById("voice-cancel");
  const forgetButton = document.getElementById("voice-forget");
  const saveButton = document.getElementById("voice-save");
  const fileInput = document.getElementById("voice-file");
  const progress = document.getElementById("voice-progress");
  const seconds = document.getElementById("voice-seconds");
  const status = document.getElementById("voice-status");
  const message = document.getElementById("voice-message");
  document.getElementById("voice-sentences").append(
    ...SENTENCES.map((text) => Object.assign(document.createElement("li"), { textContent: text })),
  );
  let judging = null; // the model judging against the voice, while one is set
  let saved = ""; // that voice as its owner may save it (Reference.toJson)

  const setState = (state) => {
    section.dataset.state = state;
    const recording = state === "starting" || state === "recording";
    startButton.disabled = recording;
    fileInput.disabled = recording;
    cancelButton.disabled = !recording;
    doneButton.disabled = true; // until enough has been heard
    forgetButton.hidden = judging === null;
    saveButton.hidden = judging === null;
    startButton.textContent = judging ? "Record it again" : "Start recording";
    progress.hidden = !recording;
    if (!recording) seconds.textContent = "";
    status.textContent = STATUS[state] ?? STATUS[resting()]; // an error: its message says the rest
  };
  /** The state without a recording: whether a voice is set. */
  const resting = () => (judging ? "set" : "idle");
  const showMessage = (text) => {
    message.textContent = text;
    message.hidden = !text;
  };

  /** Judges against `reference` from now on (null: forgets the voice). */
  function use(reference) {
    // The model it replaces is not freed: a file analysis may still be using it. The garbage
    // collector frees it (wasm-bindgen's FinalizationRegistry) once no view holds it.
    judging = reference ? model.withReference(reference) : null;
    saved = reference?.toJson() ?? "";
    reference?.free();
    onChange(judging ?? model);
    setState(resting());
  }

  /** Judges against the reference `made` resolves to; a refusal is said and nothing changes. */
  async function take(made, what) {
    showMessage("");
    try {
      use(await made);
    } catch (error) {
      setState("error");
      const keep = judging ? "Your earlier recording is still used." : "Nothing was changed.";
      showMessage(`${what} cannot be your everyday voice: ${error.message}. ${keep}`);
    }
  }

  /** The reference of a recording's bytes: decoded in wasm as the CLI does, or by the browser. */
  const fromFile = (bytes) =>
    decodeFile(
      bytes,
      (data) => model.referenceFromFile(data),
      (samples, sampleRate) => model.reference(samples, sampleRate),
    ).catch((error) => {
      throw error instanceof DOMException ? new Error("it could not be decoded as audio") : error;
    });

  const recorder = new VoiceRecorder(
    model,
    ({ seconds: heard, speechSeconds, enough, full }) => {
      if (section.dataset.state !== "recording") return;
      progress.value = Math.min(1, speechSeconds / SPEECH_GOAL);
      seconds.textContent = `${Math.floor(heard)} s recorded, ${Math.floor(speechSeconds)} s of speech`;
      doneButton.disabled = !enough;
      if (full) finish();
    },
    WORKLET,
  );

  async function finish() {
    setState("checking"); // further progress is ignored: the recording is finished once
    await take(Promise.resolve().then(() => recorder.finish()), "The recording");
    startButton.focus();
  }

  startButton.addEventListener("click", async () => {
    onStart();
    showMessage("");
    setState("starting");
    try {
      await recorder.start();
      if (section.dataset.state !== "starting") return; // cancelled meanwhile
      setState("recording");
      cancelButton.focus();
    } catch (error) {
      setState("error");
      showMessage(microphoneMessage(error));
      startButton.focus();
    }
  });
  doneButton.addEventListener("click", finish);
  cancelButton.addEventListener("click", () => {
    recorder.stop();
    setState(resting());
    startButton.focus();
  });
  forgetButton.addEventListener("click", () => {
    use(null);
    showMessage("");
    startButton.focus();
  });
  // A voice saved earlier is read back from its file, only when its owner chooses it.
  saveButton.addEventListener("click", () => saveFile("my-everyday-voice.json", "application/json", saved));
  fileInput.addEventListener("change", async () => {
    const [file] = fileInput.files;
    if (!file) return;
    const made = /\.json$/i.test(file.name)
      ? file.text().then((text) => model.referenceFromJson(text))
      : file.arrayBuffer().then(fromFile);
    await take(made, file.name);
    fileInput.value = ""; // the same file may be chosen again
  });

  section.hidden = false;
  setState("idle");
  return {
    stop() {
      if (!recorder.running && section.dataset.state !== "starting") return;
      recorder.stop();
      setState(resting());
    },
  };
}
