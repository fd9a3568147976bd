// How emotions read on the page, shared by every view and <voice-emotion-meter>.
// The labels come from the model (recognizer.labels); shared.css colours them by name.

export const title = (label) => label.charAt(0).toUpperCase() + label.slice(1);

export const percent = (p) => `${Math.round(p * 100)} %`;

/** CSS classes that give an element the label's colour (`--colour`). */
export const colourClass = (label) => `emotion emotion-${label}`;

/** What goes under every verdict: what it is, and what the voice is compared with. */
export const caveat = (comparesWithReference) =>
  comparesWithReference
    ? "This is how the voice sounds compared with your everyday voice, not how you feel."
    : "This is how the voice sounds, not how the person feels.";

/** Labels that are nouns, as adjectives ("the voice sounds disgusted"); the others already are. */
const ADJECTIVES = { disgust: "disgusted" };
export const adjective = (label) => ADJECTIVES[label] ?? label;

/**
 * What an emotion (or `null`, no speech) reads as, in words:
 *   key       what the display compares over time ("no-speech", "unsure:calm,sad", "angry")
 *   kind      "speech", "unsure" or "no-speech"
 *   names     the labels it names: the label, or the two leading ones when not sure
 *   word      one word, lower case ("angry", "not sure", "no speech")
 *   name      a short name ("Angry", "Not sure: calm or sad", "No speech")
 *   headline  a sentence ("The voice sounds angry", "Not sure: the voice could be calm or sad")
 */
export function reading(emotion, labels, unsureBelow) {
  if (!emotion) {
    return { key: "no-speech", kind: "no-speech", names: [], word: "no speech", name: "No speech", headline: "No speech" };
  }
  if (emotion.confidence >= unsureBelow) {
    const word = adjective(emotion.label);
    return { key: emotion.label, kind: "speech", names: [emotion.label], word, name: title(word), headline: `The voice sounds ${word}` };
  }
  const names = leading(emotion.probabilities, 2).map((i) => labels[i]);
  const [first, second] = names.map(adjective);
  return {
    // The pair in label order: "calm or sad" and "sad or calm" are the same reading.
    key: `unsure:${[...names].sort((a, b) => labels.indexOf(a) - labels.indexOf(b))}`,
    kind: "unsure",
    names,
    word: "not sure",
    name: `Not sure: ${first} or ${second}`,
    headline: `Not sure: the voice could be ${first} or ${second}`,
  };
}

/**
 * The numbers behind a reading, from `probabilities`. They may be newer than a held reading: then
 * another label may lead, and the words say so rather than call the held one "31 % sure".
 */
export function numbers(reading, probabilities, labels) {
  const p = (label) => probabilities[labels.indexOf(label)];
  if (reading.kind === "speech") {
    const [top] = leading(probabilities, 1).map((i) => labels[i]);
    const held = reading.names[0];
    if (top !== held) return `${adjective(held)} ${percent(p(held))} now; ${adjective(top)} leads with ${percent(p(top))}`;
    return `${percent(p(held))} sure`;
  }
  if (reading.kind === "unsure") return reading.names.map((label) => `${adjective(label)} ${percent(p(label))}`).join(", ");
  return "";
}

/**
 * Energy and pleasantness in words, from an emotion's `arousal` and `valence` (each the chance of the
 * high side, metadata `affect`): the side the voice is on and how likely, e.g. "high 82 %", "low 80 %".
 */
export function affectWords({ arousal, valence }) {
  const side = (p) => (p >= 0.5 ? `high ${percent(p)}` : `low ${percent(1 - p)}`);
  return { energy: side(arousal), pleasantness: side(valence) };
}

const PLACES = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"];

/**
 * A practice attempt's answer, for the `target` label and the attempt's `overall` emotion (null
 * when nobody spoke):
 *   reading  the overall reading (see `reading`)
 *   verdict  a sentence ("That sounded calm. Happy came second.", "That sounded happy, as you meant.")
 *   score    the target's probability, null without speech
 */
export function attemptAnswer(overall, target, labels, unsureBelow) {
  const heard = reading(overall, labels, unsureBelow);
  if (!overall) return { reading: heard, verdict: "No speech was heard. Try again, reading the sentence aloud.", score: null };
  const score = overall.probabilities[labels.indexOf(target)];
  const above = overall.probabilities.filter((p) => p > score).length;
  const came = `${title(adjective(target))} came ${above === labels.length - 1 ? "last" : PLACES[above]}.`;
  const verdict =
    heard.kind === "speech"
      ? heard.names[0] === target
        ? `That sounded ${heard.word}, as you meant.`
        : `That sounded ${heard.word}. ${came}`
      : `Not sure: that could be ${heard.names.map(adjective).join(" or ")}.${heard.names.includes(target) ? "" : ` ${came}`}`;
  return { reading: heard, verdict, score };
}

/** CSS classes that colour a reading: the label's colour, or the hatching of "not sure" and "no speech". */
export const readingClass = (reading) => (reading.kind === "speech" ? colourClass(reading.names[0]) : reading.kind);

/** Indices of the `count` largest values, largest first. */
const leading = (values, count) =>
  values
    .map((value, i) => [value, i])
    .sort((a, b) => b[0] - a[0])
    .slice(0, count)
    .map(([, i]) => i);

/** Seconds as m:ss.s */
export function clock(seconds) {
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${(seconds - minutes * 60).toFixed(1).padStart(4, "0")}`;
}
