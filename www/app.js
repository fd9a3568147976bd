// Entry point: load the wasm module and its model, then wire the views.

import { setUpFile } from "./file.js";
import { setUpLive } from "./live.js";
import { loadModel } from "./model.js";
import { setUpPractice } from "./practice.js";
import { setUpVoice } from "./voice.js";

// Keeps the app's own files for offline use (sw.js). Without it the page still works, online.
// Its list of files is always fetched afresh, so a rebuild is noticed whatever the HTTP caching.
navigator.serviceWorker
  ?.register("sw.js", { updateViaCache: "none" })
  .catch((error) => console.warn(`Offline use is not available: ${error.message}`));

try {
  // The built-in model, or (for a developer trying their own) `?model=` its metadata's URL.
  const model = await loadModel(new URLSearchParams(location.search).get("model"));
  performance.mark("voice-emotion:ready");
  // One microphone at a time: starting one view stops the others.
  const live = setUpLive(model, () => [practice, voice].forEach((view) => view.stop()));
  const practice = setUpPractice(model, () => [live, voice].forEach((view) => view.stop()));
  const voice = setUpVoice(model, {
    onStart: () => [live, practice].forEach((view) => view.stop()),
    onChange: (judging) => [live, practice, file].forEach((view) => view.judgeWith(judging)),
  });
  const file = setUpFile(model);
} catch (error) {
  const message = document.getElementById("mic-message");
  message.textContent = `The recognizer could not be loaded: ${error.message}`;
  message.hidden = false;
  document.getElementById("dominant").textContent = "Not available";
  document.getElementById("live").dataset.state = "error";
}
