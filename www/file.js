// The file view: drop or pick a recording, decode it, analyse it in pieces with a progress bar,
// then show the overall result and the timeline, and offer them as CSV and JSON.

import { MAX_FILE_BYTES, decodeAudio, monoChunks, readHeader } from "./decode.js";
import { clock, numbers, percent, reading, readingClass } from "./emotions.js";
import { readableTimeline } from "./timeline.js";

/** Audio handed to the analyser at a time; small enough that a piece takes a few milliseconds. */
const CHUNK_SECONDS = 0.25;
/** Longest stretch of work before the page gets the main thread back (keeps it responsive). */
const YIELD_AFTER_MS = 30;
/** The status line (a live region) changes at most this often, so screen readers are not flooded. */
const STATUS_EVERY_MS = 1000;

export function setUpFile(recognizer) {
  const section = document.getElementById("file");
  const input = document.getElementById("file-input");
  const dropZone = document.getElementById("drop-zone");
  const progressRow = document.getElementById("file-progress-row");
  const progress = document.getElementById("file-progress");
  const status = document.getElementById("file-status");
  const result = document.getElementById("file-result");
  const labels = recognizer.labels;
  let run = 0; // bumped by every new file and by Cancel; an older run stops at its next yield
  let shown = null; // { name, analysis } on screen, for the export buttons

  const setState = (state, text) => {
    section.dataset.state = state;
    status.textContent = text;
    progressRow.hidden = state !== "working";
  };

  async function analyse(file) {
    const mine = ++run;
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
    let buffer, header;
    try {
      const bytes = await file.arrayBuffer();
      header = readHeader(bytes);
      if (header?.seconds === 0) {
        setState("error", `${file.name} holds no audio.`);
        return;
      }
      buffer = await decodeAudio(bytes, header?.rate);
    } catch (error) {
      if (mine === run) setState("error", decodeFailure(file, error));
      return;
    }
    if (mine !== run) return;
    if (buffer.length === 0) {
      setState("error", `${file.name} holds no audio.`);
      return;
    }

    let analyzer;
    try {
      analyzer = recognizer.analyzer(buffer.sampleRate);
      let lastYield = performance.now();
      for (const chunk of monoChunks(buffer, Math.ceil(buffer.sampleRate * CHUNK_SECONDS))) {
        analyzer.push(chunk);
        if (performance.now() - lastYield > YIELD_AFTER_MS) {
          progress.value = analyzer.seconds / buffer.duration;
          if (performance.now() - statusAt >= STATUS_EVERY_MS) {
            setState("working", `Analysing ${file.name}: ${clock(analyzer.seconds)} of ${clock(buffer.duration)}`);
            statusAt = performance.now();
          }
          await new Promise((resolve) => setTimeout(resolve, 0));
          if (mine !== run) return;
          lastYield = performance.now();
        }
      }
      const analysis = analyzer.finish();
      if (!analysis.overall) {
        setState("no-speech", `No speech was found in ${file.name} (${clock(analysis.duration)} of audio).`);
        return;
      }
      shown = { name: file.name, analysis };
      render(analysis, labels, recognizer.unsureBelow);
      result.hidden = false;
      // A cut-short download decodes without complaint: say that the result covers only part.
      const cut = header?.seconds && buffer.duration < header.seconds - 0.05;
      const note = cut ? ` The file is cut short: its header promises ${clock(header.seconds)}; this is the result for the part that is there.` : "";
      setState("done", `${file.name}: ${clock(analysis.duration)}, speech in ${clock(analysis.speech_seconds)}.${note}`);
    } catch (error) {
      if (mine === run) setState("error", `${file.name} could not be analysed: ${error.message}`);
    } finally {
      analyzer?.free();
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

  document.getElementById("export-csv").addEventListener("click", () =>
    download(`${shown.name}.emotions.csv`, "text/csv", toCsv(shown, labels)),
  );
  document.getElementById("export-json").addEventListener("click", () =>
    download(`${shown.name}.emotions.json`, "application/json", JSON.stringify({ file: shown.name, labels, ...shown.analysis }, null, 2)),
  );
  input.disabled = false;
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
 * The overall verdict, a strip of coloured stretches, and the same stretches as a table; the
 * stretches are the timeline as `readableTimeline` reads it (the exports keep the analysis's own).
 */
function render(analysis, labels, unsureBelow) {
  const overall = reading(analysis.overall, labels, unsureBelow);
  const overallEl = document.getElementById("file-overall");
  overallEl.textContent = overall.headline;
  overallEl.dataset.label = analysis.overall.label;
  document.getElementById("file-overall-detail").textContent = `(${numbers(overall, analysis.overall.probabilities, labels)})`;

  const strip = document.getElementById("timeline-strip");
  const rows = document.getElementById("timeline-rows");
  strip.replaceChildren();
  rows.replaceChildren();
  for (const { start, end, probabilities, reading: heard } of readableTimeline(analysis.timeline, labels, unsureBelow)) {
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
    const confidence = probabilities ? percent(Math.max(...probabilities)) : "";
    const cells = [clock(start), clock(end), heard.name, confidence].map(
      (text) => Object.assign(document.createElement("td"), { textContent: text }),
    );
    cells[2].prepend(swatch);
    row.append(...cells);
    rows.append(row);
  }
}

/** The timeline as the CLI's `classify --timeline --format csv` writes it. */
function toCsv({ name, analysis }, labels) {
  const quote = (text) => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const lines = [["file", "start", "end", "label", "confidence", ...labels].join(",")];
  for (const { start, end, emotion } of analysis.timeline) {
    const scores = emotion
      ? [emotion.label, emotion.confidence.toFixed(4), ...emotion.probabilities.map((p) => p.toFixed(4))]
      : Array(2 + labels.length).fill("");
    lines.push([quote(name), start.toFixed(2), end.toFixed(2), ...scores].join(","));
  }
  return `${lines.join("\n")}\n`;
}

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = Object.assign(document.createElement("a"), { href: url, download: name });
  link.click();
  // The download has started by the next task; the URL is no longer needed.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
