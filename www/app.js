// Entry point: load the wasm module and its built-in model, then wire the three views.

import init, { Model } from "./pkg/voice_emotion.js";
import { setUpFile } from "./file.js";
import { setUpLive } from "./live.js";
import { setUpPractice } from "./practice.js";

// Keeps the app's own files for offline use (sw.js). Without it the page still works, online.
// Its list of files is always fetched afresh, so a rebuild is noticed whatever the HTTP caching.
navigator.serviceWorker
  ?.register("sw.js", { updateViaCache: "none" })
  .catch((error) => console.warn(`Offline use is not available: ${error.message}`));

try {
  await init();
  const model = new Model();
  performance.mark("voice-emotion:ready");
  // One microphone at a time: starting either view stops the other.
  const live = setUpLive(model, () => practice.stop());
  const practice = setUpPractice(model, () => live.stop());
  setUpFile(model);
} catch (error) {
  const message = document.getElementById("mic-message");
  message.textContent = `The recognizer could not be loaded: ${error.message}`;
  message.hidden = false;
  document.getElementById("dominant").textContent = "Not available";
  document.getElementById("live").dataset.state = "error";
}
