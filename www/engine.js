// <voice-emotion-meter>'s only contact with the wasm API (pkg/voice_emotion.js): a model and the
// microphone that feeds it, behind a plain object, so that the element never names a wasm class.

import { Microphone } from "./pkg/voice_emotion.js";
import { loadModel } from "./model.js";

const WORKLET = new URL("capture-worklet.js", import.meta.url).href;

/**
 * Loads the built-in model, or the one whose metadata JSON is at `model` (it names its trunk and
 * head ONNX files, fetched from beside it), and a microphone that calls `onPrediction` with each
 * prediction: `{ labels, unsureBelow, takesReference, start(), stop(), close(), judgeAgainst(shape) }`.
 * `judgeAgainst(shape)` stops the microphone and judges from then on against the reference voice of
 * that shape (a `Reference`'s `shape`), or against the training voices again (`null`); it throws an
 * `Error` named `UnusableReference` for a shape the model cannot take.
 */
export async function createListener({ model } = {}, onPrediction) {
  const loaded = await loadModel(model);
  const { labels, unsureBelow, takesReference } = loaded;
  let microphone = new Microphone(loaded, onPrediction, WORKLET);
  const close = () => {
    microphone.stop();
    microphone.free();
  };
  return {
    labels,
    unsureBelow,
    takesReference,
    start: () => microphone.start(),
    stop: () => microphone.stop(),
    close: () => {
      close();
      loaded.free();
    },
    judgeAgainst(shape) {
      const judged = shape ? loaded.withReference(loaded.referenceFromShape(shape)) : loaded.withoutReference();
      close();
      microphone = new Microphone(judged, onPrediction, WORKLET);
      judged.free(); // the microphone holds its own reference to the model
    },
  };
}
