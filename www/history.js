// The live history: what the headline said over the last minute, as a strip in the file
// timeline's colours and one sentence in words. Held in memory only, and cleared on Stop.

import { readingClass, title } from "./emotions.js";

/** How far back the history reaches, in seconds. */
export const HISTORY_SECONDS = 60;
/** What the sentence says while there is no history, so that an empty strip is not a puzzle. */
const EMPTY = "Nothing yet: this fills while listening, and Stop erases it.";

/**
 * Draws into `strip` (a list) and `summary` (a paragraph). `add(time, reading)` records that the
 * headline showed `reading` (null: no verdict yet) up to `time`, in seconds since Start, from the
 * previous call's time; `clear()` forgets it all.
 */
export function createHistory(strip, summary) {
  let runs = []; // { start, end, reading }, oldest first; neighbours differ
  let now = 0;
  summary.textContent = EMPTY;

  const draw = () => {
    const from = now - HISTORY_SECONDS;
    runs = runs.filter((run) => run.end > from);
    const shown = runs.map((run) => ({ ...run, start: Math.max(run.start, from) }));
    // The strip always spans the whole minute; before Start it is empty.
    const beforeStart = from < 0 ? [{ start: from, end: 0, reading: null }] : [];
    const blocks = [...beforeStart, ...shown].map(({ start, end, reading }) => {
      const block = document.createElement("li");
      block.className = reading ? readingClass(reading) : "empty";
      block.textContent = reading ? title(reading.word) : "";
      block.style.flexGrow = String(end - start);
      return block;
    });
    strip.replaceChildren(...blocks);
    const sentence = summarize(shown, now);
    if (summary.textContent !== sentence) summary.textContent = sentence;
  };

  return {
    add(time, reading) {
      const last = runs.at(-1);
      if (last && last.reading?.key === reading?.key) last.end = time;
      else runs.push({ start: now, end: time, reading });
      now = time;
      draw();
    },
    clear() {
      runs = [];
      now = 0;
      strip.replaceChildren();
      summary.textContent = EMPTY;
    },
  };
}

/**
 * One sentence about `runs` (as `createHistory` keeps them), `seconds` after Start:
 * "Mostly calm; angry for 4 s", "Angry for 12 s", "Calm for 5 s, sad for 4 s", "Angry for under 1 s",
 * "No speech yet".
 */
export function summarize(runs, seconds) {
  const totals = new Map();
  for (const { start, end, reading } of runs) {
    if (reading && reading.kind !== "no-speech") totals.set(reading.word, (totals.get(reading.word) ?? 0) + end - start);
  }
  const longest = [...totals].sort((a, b) => b[1] - a[1]);
  const ranked = longest.filter(([, s]) => Math.round(s) > 0);
  // Readings shown too briefly to count still mean there was speech: name the longest.
  if (ranked.length === 0 && longest.length) return `${title(longest[0][0])} for under 1 s`;
  if (ranked.length === 0) return seconds <= HISTORY_SECONDS ? "No speech yet" : "No speech in the last minute";
  const phrases = ranked.map(([word, s]) => `${word} for ${Math.round(s)} s`);
  const speech = ranked.reduce((sum, [, s]) => sum + s, 0);
  if (ranked.length > 1 && ranked[0][1] >= speech / 2) return `Mostly ${ranked[0][0]}; ${phrases.slice(1).join(", ")}`;
  return title(phrases.join(", "));
}
