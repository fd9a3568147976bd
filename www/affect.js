// Energy and pleasantness as two small scales with words (the live verdict, the file's overall).

import { affectWords } from "./emotions.js";

/** Fills `element`'s two scales from `emotion` (its `arousal` and `valence`); without one they keep
 *  their place, unseen, so nothing below them moves. */
export function showAffect(element, emotion) {
  element.classList.toggle("empty", !emotion);
  if (!emotion) return;
  const words = affectWords(emotion);
  for (const [axis, value] of [["energy", emotion.arousal], ["pleasantness", emotion.valence]]) {
    element.querySelector(`.${axis} meter`).value = value;
    element.querySelector(`.${axis} .words`).textContent = words[axis];
  }
}

