// The file view: drop or pick a recording, decode it, analyse it in pieces with a progress bar,
// then show the overall result and the timeline, and offer them as CSV and JSON lines.

import { createAffect } from "./affect.js";
import { MAX_FILE_BYTES, decodeFile } from "./decode.js";
import { affectWords, caveat, clock, numbers, percent, reading, readingClass, title } from "./emotions.js";
import { saveFile } from "./save.js";
import { readableTimeline } from "./timeline.js";

/** Audio handed to the analyser at a time; small enough that a piece takes a few milliseconds. */
const CHUNK_SECONDS = 0.25;
/** Longest stretch of work before the page gets the main thread back (keeps it responsive). */
const YIELD_AFTER_MS = 30;
/** The status line (a live region) changes at most this often, so screen readers are not flooded. */
const STATUS_EVERY_MS = 1000;

/** Wires the file panel to `model`. Returns `{ judgeWith(model) }`. */
export function setUpFile(model) {
  const section = document.getElementById("file");
  const input = document.getElementById("file-input");
  const dropZone = document.getElementById("drop-zone");
  const progressRow = document.getElementById("file-progress-row");
  const progress = document.getElementById("file-progress");
  const status = document.getElementById("file-status");
  const result = document.getElementById("file-result");
  let run = 0; // bumped by every new file and by Cancel; an older run stops at its next yield
  let shown = null; // { name, analysis } on screen, for the export buttons
  const showAffect = createAffect(document.getElementById("file-affect"));
  const caveatLine = result.querySelector(".caveat");

  const setState = (state, text) => {
    section.dataset.state = state;
    status.textContent = text;
    progressRow.hidden = state !== "working";
  };

  async function analyse(file) {
    const mine = ++run;
    const judging = model; // the whole file with one model, whatever changes meanwhile
    result.hidden = true;
    shown = null;
    if (file.size === 0) {
      setState("error", `${file.name} is empty.`);
      return;
    }
    if (file.size > MAX_FILE_BYTES) {
      setState("error", tooLong(file));
      return;
    }
    progress.removeAttribute("value"); // indeterminate while decoding
    setState("working", `Decoding ${file.name}…`);
    let statusAt = performance.now();
    let source;
    try {
      source = await open(judging, await file.arrayBuffer());
    } catch (error) {
      if (mine === run) setState("error", decodeFailure(file, error));
      return;
    }
    try {
      if (mine !== run) return;
      const promised = source.promisedSeconds;
      let lastYield = performance.now();
      while (source.advance(CHUNK_SECONDS)) {
        if (performance.now() - lastYield > YIELD_AFTER_MS) {
          if (promised) progress.value = Math.min(1, source.seconds / promised);
          if (performance.now() - statusAt >= STATUS_EVERY_MS) {
            const of = promised ? ` of ${clock(promised)}` : "";
            setState("working", `Analysing ${file.name}: ${clock(source.seconds)}${of}`);
            statusAt = performance.now();
          }
          await new Promise((resolve) => setTimeout(resolve, 0));
          if (mine !== run) return;
          lastYield = performance.now();
        }
      }
      if (source.seconds === 0) {
        setState("error", `${file.name} holds no audio.`);
        return;
      }
      const truncated = source.truncated;
      const analysis = source.finish();
      const mismatch = analysis.reference_mismatch; // judged without the everyday voice, and why
      if (!analysis.overall) {
        setState("no-speech", `No speech was found in ${file.name} (${clock(analysis.duration)} of audio).`);
        return;
      }
      shown = { name: file.name, analysis };
      render(analysis, judging, showAffect);
      caveatLine.textContent = caveat(judging.comparesWithReference && !mismatch);
      result.hidden = false;
      // A cut-short download: say that the result covers only the part that is there.
      const header = promised ? `: its header promises ${clock(promised)}` : "";
      const note = truncated ? ` The file is cut short${header}; this is the result for the part that is there.` : "";
      const without = mismatch ? ` ${title(mismatch)}.` : "";
      setState("done", `${file.name}: ${clock(analysis.duration)}, speech in ${clock(analysis.speech_seconds)}.${note}${without}`);
    } catch (error) {
      if (mine === run) setState("error", `${file.name} could not be analysed: ${error.message}`);
    } finally {
      source.free();
    }
  }

  const take = (files) => files.length > 0 && analyse(files[0]);
  input.addEventListener("change", () => take(input.files));
  document.getElementById("file-cancel").addEventListener("click", () => {
    run++;
    setState("idle", "Cancelled.");
  });
  dropZone.addEventListener("dragover", (event) => {
    event.preventDefault();
    dropZone.classList.add("dragging");
  });
  dropZone.addEventListener("dragleave", () => dropZone.classList.remove("dragging"));
  dropZone.addEventListener("drop", (event) => {
    event.preventDefault();
    dropZone.classList.remove("dragging");
    take(event.dataTransfer.files);
  });
  // A file dropped beside the zone must not make the browser navigate away from the page.
  for (const type of ["dragover", "drop"]) window.addEventListener(type, (event) => event.preventDefault());

  // The CLI's `classify --timeline` output for the file, written by the same Rust code.
  document.getElementById("export-csv").addEventListener("click", () =>
    saveFile(`${shown.name}.emotions.csv`, "text/csv", model.reportCsv(shown.name, shown.analysis)),
  );
  document.getElementById("export-json").addEventListener("click", () =>
    saveFile(`${shown.name}.emotions.jsonl`, "application/x-ndjson", model.reportJson(shown.name, shown.analysis)),
  );
  input.disabled = false;
  return {
    /** Analyses the next files with `judging` (the model, or the model with a reference voice). */
    judgeWith(judging) {
      model = judging;
    },
  };
}

/**
 * The file's analysis, a piece at a time: decoded in wasm as the CLI decodes it, or, for formats
 * the core does not read, by the browser. Both give `advance(seconds)`, `seconds`,
 * `promisedSeconds`, `truncated`, `finish()` and `free()`.
 */
function open(model, bytes) {
  return decodeFile(
    bytes,
    (data) => model.openFile(data),
    (samples, sampleRate) => {
      const analyzer = model.analyzer(sampleRate);
      let at = 0;
      return {
        promisedSeconds: samples.length / sampleRate,
        truncated: false,
        get seconds() {
          return at / sampleRate;
        },
        advance(seconds) {
          const end = Math.min(samples.length, at + Math.ceil(seconds * sampleRate));
          analyzer.push(samples.subarray(at, end));
          at = end;
          return at < samples.length;
        },
        finish: () => analyzer.finish(),
        free: () => analyzer.free(),
      };
    },
  );
}

function tooLong(file) {
  const megabytes = Math.round(file.size / 1024 ** 2);
  return `${file.name} is too long to analyse in the page (${megabytes} MB; the limit is ${MAX_FILE_BYTES / 1024 ** 2} MB). The voice-emotion command-line tool analyses files of any length.`;
}

function decodeFailure(file, error) {
  // Running out of memory while reading or decoding shows up as a RangeError (or NotReadableError).
  if (error instanceof RangeError || error.name === "NotReadableError" || /memory|allocat/i.test(error.message)) {
    return `${file.name} is too long to decode in the page's memory. The voice-emotion command-line tool analyses files of any length.`;
  }
  return `${file.name} could not be decoded as audio. Try WAV, FLAC, MP3 or Ogg.`;
}

/**
 * The overall verdict with its energy and pleasantness (`showAffect`), a strip of coloured
 * stretches, and the same stretches as a table; the stretches are the timeline as
 * `readableTimeline` reads it (the exports keep the analysis's own).
 */
function render(analysis, model, showAffect) {
  const { labels, unsureBelow } = model;
  const overall = reading(analysis.overall, labels, unsureBelow);
  const overallEl = document.getElementById("file-overall");
  overallEl.textContent = overall.headline;
  overallEl.dataset.label = analysis.overall.label;
  document.getElementById("file-overall-detail").textContent = `(${numbers(overall, analysis.overall.probabilities, labels)})`;
  showAffect(analysis.overall);

  const strip = document.getElementById("timeline-strip");
  const rows = document.getElementById("timeline-rows");
  strip.replaceChildren();
  rows.replaceChildren();
  for (const { start, end, emotion, reading: heard } of readableTimeline(analysis.timeline, model)) {
    const block = document.createElement("li");
    block.className = readingClass(heard);
    block.style.flexGrow = String(end - start);
    block.textContent = heard.name;
    strip.append(block);

    const row = document.createElement("tr");
    row.className = readingClass(heard);
    row.dataset.reading = heard.key;
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.setAttribute("aria-hidden", "true");
    const confidence = emotion ? percent(emotion.confidence) : "";
    const cells = [clock(start), clock(end), heard.name, confidence].map(
      (text) => Object.assign(document.createElement("td"), { textContent: text }),
    );
    cells[2].prepend(swatch);
    if (emotion) {
      const { energy, pleasantness } = affectWords(emotion);
      const affect = Object.assign(document.createElement("span"), {
        className: "affect-words",
        textContent: `energy ${energy}, pleasantness ${pleasantness}`,
      });
      cells[2].append(affect);
    }
    row.append(...cells);
    rows.append(row);
  }
}
