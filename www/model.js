// The model a page runs: the one built into the wasm, or another trained model named by the URL of
// its metadata (the page's `?model=`, <voice-emotion-meter>'s `model` attribute).

import init, { Model } from "./pkg/voice_emotion.js";

/**
 * The built-in model, or the one whose metadata JSON is at `url` (it names its trunk and head ONNX
 * files, fetched from beside it). The page's policy allows its own origin only.
 */
export async function loadModel(url) {
  await init(); // once per page, however many ask
  return url ? Model.fromBytes(...(await download(url))) : new Model();
}

/** The metadata text at `url` and the bytes of the trunk and head it names, for `Model.fromBytes`. */
async function download(url) {
  const get = async (address) => {
    const response = await fetch(address);
    if (!response.ok) throw new Error(`${address}: ${response.status} ${response.statusText}`);
    return response;
  };
  const json = await (await get(url)).text();
  const { stream } = JSON.parse(json);
  const part = async (name) => new Uint8Array(await (await get(new URL(name, new URL(url, location.href)))).arrayBuffer());
  return [json, ...(await Promise.all([part(stream.trunk), part(stream.head)]))];
}
