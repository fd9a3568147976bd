// Energy and pleasantness as two small scales with words (the live verdict, the file's overall,
// a practice attempt).

import { affectWords } from "./emotions.js";

const AXES = [
  ["energy", "Energy", "arousal"],
  ["pleasantness", "Pleasantness", "valence"],
];

/**
 * Puts the two scales into `element` (an empty element with an id) and returns `show(emotion)`,
 * which fills them from its `arousal` and `valence`; without one they keep their place, unseen, so
 * nothing below them moves.
 */
export function createAffect(element) {
  element.classList.add("affect", "empty");
  const scales = AXES.map(([axis, name, key]) => {
    const id = `${element.id}-${axis}`;
    const scale = document.createElement("span");
    scale.className = axis;
    const label = Object.assign(document.createElement("span"), { id, textContent: name });
    const meter = Object.assign(document.createElement("meter"), { min: 0, max: 1 });
    meter.setAttribute("aria-labelledby", id);
    const words = Object.assign(document.createElement("span"), { className: "words" });
    scale.append(label, " ", meter, " ", words);
    element.append(scale);
    return { axis, key, meter, words };
  });
  return (emotion) => {
    element.classList.toggle("empty", !emotion);
    if (!emotion) return;
    const said = affectWords(emotion);
    for (const { axis, key, meter, words } of scales) {
      meter.value = emotion[key];
      words.textContent = said[axis];
    }
  };
}
