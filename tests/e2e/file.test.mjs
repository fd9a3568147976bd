// The file view: the angry WAV picked and dropped gives the CLI's overall label and timeline; the
// exports hold the same; a matrix of bad and unusual files each gives a clear message or the
// right answer, and the page keeps working; a long file shows its progress calmly and can be
// cancelled; nothing is stored and no request leaves the machine.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { after, before, test } from "node:test";
import { affectWords } from "../../www/emotions.js";
import { readableTimeline } from "../../www/timeline.js";
import {
  angryWav,
  PYTHON,
  apiTimeline,
  captureState,
  cli,
  cliOutput,
  foreignRequests,
  onlyAppFiles,
  opusCopy,
  openApp,
  scratch,
  storedItems,
  wavSamples,
} from "./helpers.mjs";

const PROBABILITY_TOLERANCE = 0.02;

let session, dir, wav, expected;

before(async () => {
  dir = scratch();
  wav = angryWav(dir, 4);
  expected = cli(wav);
  session = await openApp();
});

after(() => session?.close());

/** Waits for the file view to settle after a file was given; returns its state and message. */
async function settled(page) {
  await page.waitForFunction(() => !["idle", "working"].includes(document.getElementById("file").dataset.state), null, {
    timeout: 60000,
  });
  return page.evaluate(() => ({
    state: document.getElementById("file").dataset.state,
    status: document.getElementById("file-status").textContent,
  }));
}

/** Clicks an export button and returns the downloaded text. */
async function exported(page, button) {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click(button)]);
  return readFileSync(await download.path(), "utf8");
}

test("a picked file gives the CLI's overall label and timeline, and exports them", async () => {
  const { page } = session;
  await page.setInputFiles("#file-input", wav);
  const { state, status } = await settled(page);
  assert.equal(state, "done", status);
  await captureState(page, "file-1-result");

  const model = await page.evaluate(async () => {
    const { Model } = await import("./pkg/voice_emotion.js");
    const model = new Model();
    const { labels, unsureBelow, hopSeconds } = model;
    model.free();
    return { labels, unsureBelow, hopSeconds };
  });
  const { unsureBelow, hopSeconds } = model;
  assert.equal(await page.getAttribute("#file-overall", "data-label"), expected.label);
  const overall = await page.textContent("#file-overall");
  if (expected.confidence >= unsureBelow) assert.equal(overall, `The voice sounds ${expected.label}`);
  else assert.match(overall, new RegExp(`^Not sure: the voice could be ${expected.label} or \\w+$`));
  assert.equal(await page.textContent("#file .caveat"), "This is how the voice sounds, not how the person feels.");
  // Energy and pleasantness: the CLI's arousal and valence on the two scales (wasm and x86 round apart).
  const scales = await page.$$eval("#file-affect meter", (meters) => meters.map((m) => m.value));
  assert.equal(scales.length, 2);
  assert.ok(Math.abs(scales[0] - expected.arousal) < 1e-3 && Math.abs(scales[1] - expected.valence) < 1e-3, `${scales}`);

  // The timeline shown is the CLI's, read with the "not sure" threshold and without stretches
  // shorter than a hop: each row starts where the one before ends, lasts at least a hop (to the
  // tenth of a second shown), reads differently from its neighbours, and says "Not sure" when its
  // confidence is under the threshold (but for rounding to a whole percent).
  const readable = readableTimeline(apiTimeline(expected.timeline, model.labels), model);
  const rows = await page.$$eval("#timeline-rows tr", (trs) =>
    trs.map((tr) => ({
      reading: tr.dataset.reading,
      // Each cell's own text; the energy and pleasantness under the emotion apart.
      cells: [...tr.cells].map((td) =>
        [...td.childNodes].filter((n) => !n.classList?.contains("affect-words")).map((n) => n.textContent).join(""),
      ),
      affect: tr.querySelector(".affect-words")?.textContent ?? "",
    })),
  );
  assert.deepEqual(
    rows.map((row) => row.reading),
    readable.map((s) => s.reading.key),
  );
  assert.equal(await page.$$eval("#timeline-strip li", (lis) => lis.length), readable.length);
  const seconds = (clock) => Number(clock.split(":")[0]) * 60 + Number(clock.split(":")[1]);
  assert.equal(rows[0].cells[0], "0:00.0");
  rows.forEach(({ reading, cells: [from, to, name, confidence], affect }, i) => {
    // Energy and pleasantness of the stretch's emotion, as the CLI's (to a percent: wasm and x86 round apart).
    const words = readable[i].emotion && affectWords(readable[i].emotion);
    const sides = (text) => [...text.matchAll(/(high|low) (\d+) %/g)].map(([, side, p]) => [side, Number(p)]);
    const shown = sides(affect);
    const want = words ? sides(`${words.energy}, ${words.pleasantness}`) : [];
    assert.equal(shown.length, want.length, `row ${i}: ${affect}`);
    shown.forEach(([side, p], k) => assert.ok(side === want[k][0] && Math.abs(p - want[k][1]) <= 1, `row ${i}: ${affect}`));
    if (i > 0) assert.equal(from, rows[i - 1].cells[1], `row ${i} starts where row ${i - 1} ends`);
    if (rows.length > 1) assert.ok(seconds(to) - seconds(from) >= hopSeconds - 0.1, `row ${i}: ${from}-${to}`);
    if (i > 0) assert.notEqual(reading, rows[i - 1].reading, `rows ${i - 1} and ${i} read the same`);
    if (confidence && Math.abs(parseInt(confidence) - unsureBelow * 100) > 1) {
      assert.equal(name.startsWith("Not sure: "), parseInt(confidence) < unsureBelow * 100, `row ${i}: ${name} ${confidence}`);
    }
  });
  const short = expected.timeline.filter((s) => s.end - s.start < hopSeconds).length;
  console.log(`file: the CLI's ${expected.timeline.length} segments (${short} shorter than a hop) read as ${rows.length} rows`);

  // The downloads are the CLI's output for the same file (written by the same Rust code).
  assertSameButRounding(await exported(page, "#export-json"), cliOutput(wav, "jsonl"));
  assertSameButRounding(await exported(page, "#export-csv"), cliOutput(wav, "csv"));
  console.log(`file: CLI and page say ${expected.label}; ${expected.timeline.length} segments; the same downloads`);
});

test("MP3 and Ogg Vorbis files give the CLI's answer (the page decodes them as the CLI does); Opus the same label", async () => {
  const { page } = session;
  // Real speech, 44.1 kHz: the MP3 by LAME (pedalboard), the Ogg Vorbis in stereo by sox.
  const mp3 = join(dir, "angry.mp3");
  execFileSync(PYTHON, ["-c", `
from pedalboard.io import AudioFile
with AudioFile(${JSON.stringify(wav)}) as f:
    audio, rate = f.read(f.frames), f.samplerate
with AudioFile(${JSON.stringify(mp3)}, "w", rate, 1, quality="V2") as out:
    out.write(audio)`]);
  const ogg = join(dir, "angry.ogg");
  execFileSync("sox", [wav, "-C", "5", ogg, "remix", "1", "1"]);
  for (const file of [mp3, ogg]) {
    await page.setInputFiles("#file-input", file);
    const { state, status } = await settled(page);
    assert.equal(state, "done", status);
    const cliJson = cliOutput(file, "jsonl");
    assert.equal(await page.getAttribute("#file-overall", "data-label"), JSON.parse(cliJson).label, file);
    assertSameButRounding(await exported(page, "#export-json"), cliJson);
    console.log(`${basename(file)}: page and CLI say ${JSON.parse(cliJson).label}`);
  }

  // Opus (voice notes), which the core does not read: the browser decodes and downmixes it.
  const stereo48k = join(dir, "angry-48k.wav");
  execFileSync("sox", ["-D", wav, "-r", "48000", stereo48k, "remix", "1", "1"]);
  const opus = opusCopy(stereo48k, join(dir, "angry.opus"));
  await page.setInputFiles("#file-input", opus);
  const { state, status } = await settled(page);
  assert.equal(state, "done", status);
  assert.equal(await page.getAttribute("#file-overall", "data-label"), expected.label, "angry.opus");
});

/**
 * `actual` is the text `expected` but for its numbers, each within `PROBABILITY_TOLERANCE`: wasm
 * and x86 int8 kernels round differently, and one requantization step can move a probability by
 * up to about 1e-2 (times, being no model output, come out the same).
 */
function assertSameButRounding(actual, expected) {
  const number = /-?\d+(\.\d+)?(e-?\d+)?/g;
  assert.equal(actual.replace(number, "#"), expected.replace(number, "#"));
  const [got, want] = [actual.match(number) ?? [], expected.match(number) ?? []];
  got.forEach((x, i) => assert.ok(Math.abs(Number(x) - Number(want[i])) <= PROBABILITY_TOLERANCE, `number ${i}: ${x}, the CLI ${want[i]}`));
}

test("a dropped file gives the same answer", async () => {
  const { page } = session;
  await page.evaluate(() => (document.getElementById("file-result").hidden = true));
  const bytes = readFileSync(wav).toString("base64");
  const dataTransfer = await page.evaluateHandle((b64) => {
    const transfer = new DataTransfer();
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], "dropped.wav", { type: "audio/wav" }));
    return transfer;
  }, bytes);
  await page.dispatchEvent("#drop-zone", "dragover", { dataTransfer });
  await page.dispatchEvent("#drop-zone", "drop", { dataTransfer });
  const { state, status } = await settled(page);
  assert.equal(state, "done", status);
  assert.match(status, /dropped\.wav/);
  assert.equal(await page.getAttribute("#file-overall", "data-label"), expected.label);
});

/** A mono 32-bit float WAV of `samples` (sox cannot write NaN). */
function floatWav(path, samples, rate) {
  const data = Buffer.alloc(samples.length * 4);
  samples.forEach((s, i) => data.writeFloatLE(s, i * 4));
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(3, 20); // IEEE float
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(32, 34);
  header.write("data", 36);
  header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
}

/** The first `fraction` of a file's bytes, as a download cut short leaves it. */
function truncated(source, name, fraction) {
  const bytes = readFileSync(source);
  const path = join(dir, name);
  writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * fraction)));
  return path;
}

/** Every kind of file people drop, what the page must say, and the label when it answers. */
function badInputMatrix() {
  const file = (name) => join(dir, name);
  /** The angry WAV through sox `effects`. */
  const sox = (name, effects = []) => {
    execFileSync("sox", ["-q", "-D", wav, file(name), ...effects]);
    return file(name);
  };
  writeFileSync(file("notes.wav"), "This is a text file, renamed.\n".repeat(100));
  writeFileSync(file("empty.wav"), "");
  execFileSync("sox", ["-n", "-r", "16000", "-b", "16", "-c", "1", file("no-samples.wav"), "trim", "0", "0"]);
  execFileSync("sox", ["-n", "-r", "48000", "-b", "16", "-c", "2", file("silence.wav"), "trim", "0", "5"]);
  const { rate, samples } = wavSamples(wav);
  samples[20000] = NaN;
  floatWav(file("nan.wav"), samples, rate);
  const flac = sox("angry.flac");
  // Sparse: 1.1 GB on paper, nothing on disk.
  execFileSync("truncate", ["-s", "1100M", file("hours.wav")]);
  const cut = (name, promised) =>
    new RegExp(`^${name}: .* The file is cut short: its header promises ${promised}; this is the result for the part that is there\\.$`);
  const decodeFailure = (name) => `${name} could not be decoded as audio. Try WAV, FLAC, MP3 or Ogg.`;
  return [
    { path: file("notes.wav"), state: "error", status: decodeFailure("notes.wav") },
    { path: file("empty.wav"), state: "error", status: "empty.wav is empty." },
    { path: file("no-samples.wav"), state: "error", status: "no-samples.wav holds no audio." },
    { path: file("silence.wav"), state: "no-speech", status: "No speech was found in silence.wav (0:05.0 of audio)." },
    { path: sox("dc-offset.wav", ["dcshift", "0.25"]), state: "done", label: "angry" },
    { path: sox("clipped.wav", ["vol", "4"]), state: "done", label: "angry" },
    { path: file("nan.wav"), state: "error", status: /^nan.wav could not be analysed: sample 20000 is not a finite number/ },
    { path: truncated(wav, "truncated.wav", 0.5), state: "done", status: cut("truncated.wav", "0:07.6") },
    { path: truncated(flac, "truncated.flac", 0.5), state: "done", status: cut("truncated.flac", "0:07.6") },
    { path: sox("8k.wav", ["rate", "8000"]), state: "done" },
    { path: sox("96k.wav", ["rate", "96000"]), state: "done", label: "angry" },
    { path: sox("6ch.wav", ["channels", "6"]), state: "done", label: "angry" },
    { path: file("hours.wav"), state: "error", status: /^hours.wav is too long to analyse in the page \(1100 MB; the limit is 1024 MB\)/ },
  ];
}

test("bad files give clear messages and the page keeps working", async () => {
  const { page } = session;
  for (const { path, state, status, label } of badInputMatrix()) {
    await page.setInputFiles("#file-input", path);
    const seen = await settled(page);
    const name = path.split("/").at(-1);
    console.log(`${name}: ${seen.state}: ${seen.status}`);
    if (state instanceof RegExp) assert.match(seen.state, state, name);
    else assert.equal(seen.state, state, `${name}: ${seen.status}`);
    if (status instanceof RegExp) assert.match(seen.status, status, name);
    else if (status) assert.equal(seen.status, status, name);
    if (label) assert.equal(await page.getAttribute("#file-overall", "data-label"), label, name);
    if (seen.state !== "done") assert.equal(await page.isHidden("#file-result"), true, name);
    if (name === "notes.wav") await captureState(page, "file-2-not-audio");
    if (name === "silence.wav") await captureState(page, "file-3-no-speech");
    if (name === "truncated.wav") await captureState(page, "file-4-cut-short");
  }

  // After all of that, a good file still gets its answer.
  await page.setInputFiles("#file-input", wav);
  const { state } = await settled(page);
  assert.equal(state, "done");
  assert.equal(await page.getAttribute("#file-overall", "data-label"), expected.label);
});

test("a long file: a named progress bar, a status line rewritten at most once a second, Cancel", async () => {
  const { page } = session;
  // Nine minutes of the angry clip and silence: seconds of work in the page (the streamed model
  // analyses at about 0.007 of real time, so three minutes took about a second).
  const long = join(dir, "long.wav");
  execFileSync("sox", ["-D", wav, long, "rate", "16000", "repeat", "75"]);
  // axe-core does not ask a native <progress> for a name; the accessibility tree must have it.
  assert.equal(await page.getByRole("progressbar", { name: "Progress of the analysis", includeHidden: true }).count(), 1);

  await page.evaluate(() => {
    // Every rewrite of the status line and every move of the progress bar, with its time.
    window.fileWork = { statuses: [], moves: 0 };
    const status = document.getElementById("file-status");
    new MutationObserver(() => window.fileWork.statuses.push({ at: performance.now(), text: status.textContent })).observe(status, {
      childList: true,
      characterData: true,
      subtree: true,
    });
    new MutationObserver(() => window.fileWork.moves++).observe(document.getElementById("file-progress"), { attributeFilter: ["value"] });
  });
  await page.setInputFiles("#file-input", long);
  await page.waitForFunction(() => document.getElementById("file-status").textContent.startsWith("Analysing"), null, { timeout: 60000 });
  await captureState(page, "file-5-working");
  const { state } = await settled(page);
  assert.equal(state, "done");

  const { statuses, moves } = await page.evaluate(() => window.fileWork);
  const progress = statuses.filter((s) => /^(Decoding|Analysing)/.test(s.text));
  console.log(`long file: the progress bar moved ${moves} times; the status line said ${progress.map((s) => s.text).join(" | ")}`);
  assert.ok(moves >= 5, `the progress bar moved only ${moves} times`);
  assert.ok(progress.length >= 2);
  progress.slice(1).forEach((s, i) => assert.ok(s.at - progress[i].at >= 990, `"${progress[i].text}" then "${s.text}" ${(s.at - progress[i].at).toFixed(0)} ms later`));

  // Cancel while it works (another name: picking the same file again would change nothing).
  const again = join(dir, "long-again.wav");
  copyFileSync(long, again);
  await page.setInputFiles("#file-input", again);
  await page.waitForFunction(() => document.getElementById("file").dataset.state === "working");
  await page.click("#file-cancel");
  assert.equal(await page.textContent("#file-status"), "Cancelled.");
  await captureState(page, "file-6-cancelled");
});

test("nothing but the app's own files was stored and no request left this machine", async () => {
  const { page, requests, errors } = session;
  assert.deepEqual(await storedItems(page), onlyAppFiles());
  assert.ok(requests.length > 0);
  assert.deepEqual(foreignRequests(requests), []);
  assert.deepEqual(errors, []);
});
