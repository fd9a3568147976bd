// <voice-emotion-meter>'s only contact with the wasm API (pkg/voice_emotion.js): a model and the
// microphone that feeds it, behind a plain object, so that the element never names a wasm class.

import init, { Microphone, Model } from "./pkg/voice_emotion.js";

const WORKLET = new URL("capture-worklet.js", import.meta.url).href;

/**
 * Loads the built-in model, or the ONNX file at `model` with its metadata at `metadata` (by
 * default the same address ending in .json), and a microphone that calls `onPrediction` with each
 * prediction: `{ labels, unsureBelow, start(), stop(), close() }`.
 */
export async function createListener({ model, metadata } = {}, onPrediction) {
  await init(); // once per page, however many elements ask
  const loaded = model ? Model.fromBytes(...(await download(model, metadata))) : new Model();
  const { labels, unsureBelow } = loaded;
  const microphone = new Microphone(loaded, onPrediction, WORKLET);
  loaded.free(); // the microphone holds its own reference to the model
  return {
    labels,
    unsureBelow,
    start: () => microphone.start(),
    stop: () => microphone.stop(),
    close: () => {
      microphone.stop();
      microphone.free();
    },
  };
}

async function download(model, metadata = model.replace(/\.onnx$/, "") + ".json") {
  const get = async (url) => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
    return response;
  };
  const [onnx, json] = await Promise.all([get(model).then((r) => r.arrayBuffer()), get(metadata).then((r) => r.text())]);
  return [new Uint8Array(onnx), json];
}
