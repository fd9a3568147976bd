// How emotions read on the page, shared by the live view and the file view.
// The labels come from the model (recognizer.labels); style.css colours them by name.

export const title = (label) => label.charAt(0).toUpperCase() + label.slice(1);

export const percent = (p) => `${Math.round(p * 100)} %`;

/** CSS classes that give an element the label's colour (`--colour`). */
export const colourClass = (label) => `emotion emotion-${label}`;

/** The words for an emotion: its label when confident enough, otherwise "Not sure". */
export function verdict(emotion, unsureBelow) {
  if (emotion.confidence < unsureBelow) {
    return { sure: false, headline: "Not sure", detail: `maybe ${emotion.label}, ${percent(emotion.confidence)}` };
  }
  return { sure: true, headline: title(emotion.label), detail: `${percent(emotion.confidence)} sure` };
}

/** Seconds as m:ss.s */
export function clock(seconds) {
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${(seconds - minutes * 60).toFixed(1).padStart(4, "0")}`;
}
