// The eight bars of a live view (bars.css), shared by the page and <voice-emotion-meter>.

import { adjective, colourClass, percent, title } from "./emotions.js";

/** One row per label: name, bar and percentage, in `list`; `set(emotion)` and `clear()` draw them. */
export function createBars(list, labels) {
  const rows = labels.map((label) => {
    const row = document.createElement("li");
    row.className = `bar ${colourClass(label)}`;
    row.dataset.label = label;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = title(adjective(label));
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
