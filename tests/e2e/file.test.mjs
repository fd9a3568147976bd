// The file view: the angry WAV picked and dropped gives the CLI's overall label and timeline; the
// exports hold the same; a file that is not audio and a silent file give clear messages, and the
// page keeps working; nothing is stored and no request leaves the machine.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { angryWav, cli, foreignRequests, launch, openPage, scratch, screenshot, serve } from "./helpers.mjs";

const PROBABILITY_TOLERANCE = 0.02;

let server, context, session, dir, wav, expected;

before(async () => {
  dir = scratch();
  wav = angryWav(dir, 4);
  expected = cli(wav);
  server = await serve();
  context = await launch();
  session = await openPage(context, server.url);
});

after(async () => {
  await context?.close();
  server?.close();
});

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
  await screenshot(page, "file-1-result");

  assert.equal(await page.getAttribute("#file-overall", "data-label"), expected.label);
  const rows = await page.$$eval("#timeline-rows tr", (trs) => trs.map((tr) => tr.dataset.label));
  assert.deepEqual(
    rows,
    expected.timeline.map((s) => s.emotion?.label ?? ""),
  );
  assert.equal(await page.$$eval("#timeline-strip li", (lis) => lis.length), expected.timeline.length);

  // The JSON export holds the numbers: the CLI's, but for rounding (wasm and x86 int8 kernels round
  // differently, and one requantization step can move a probability by up to about 1e-2).
  const json = JSON.parse(await exported(page, "#export-json"));
  assert.equal(json.file, "angry.wav");
  assert.equal(json.overall.label, expected.label);
  assert.ok(Math.abs(json.overall.confidence - expected.confidence) < PROBABILITY_TOLERANCE);
  assert.ok(Math.abs(json.speech_seconds - expected.speech_seconds) < 1e-6);
  assert.equal(json.timeline.length, expected.timeline.length);
  json.timeline.forEach((segment, i) => {
    const want = expected.timeline[i];
    assert.ok(Math.abs(segment.start - want.start) < 1e-6 && Math.abs(segment.end - want.end) < 1e-6, `segment ${i}`);
    assert.equal(segment.emotion?.label, want.emotion?.label);
    if (want.emotion) {
      segment.emotion.probabilities.forEach((p, k) => assert.ok(Math.abs(p - want.emotion.probabilities[k]) < PROBABILITY_TOLERANCE));
    }
  });

  // The CSV export: the CLI's timeline columns, one row per segment.
  const csv = (await exported(page, "#export-csv")).trim().split("\n");
  assert.equal(csv[0], `file,start,end,label,confidence,${json.labels.join(",")}`);
  assert.equal(csv.length, 1 + expected.timeline.length);
  assert.deepEqual(
    csv.slice(1).map((line) => line.split(",")[3]),
    expected.timeline.map((s) => s.emotion?.label ?? ""),
  );
  console.log(`file: CLI and page say ${expected.label}; ${expected.timeline.length} segments`);
});

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

test("bad files give clear messages and the page keeps working", async () => {
  const { page } = session;
  const text = join(dir, "notes.wav");
  writeFileSync(text, "This is a text file, renamed.\n".repeat(100));
  await page.setInputFiles("#file-input", text);
  let { state, status } = await settled(page);
  assert.equal(state, "error");
  assert.equal(status, "notes.wav could not be decoded as audio. Try WAV, FLAC, MP3 or Ogg.");
  assert.equal(await page.isHidden("#file-result"), true);
  await screenshot(page, "file-2-not-audio");

  const silence = join(dir, "silence.wav");
  execFileSync("sox", ["-n", "-r", "48000", "-b", "16", "-c", "2", silence, "trim", "0", "5"]);
  await page.setInputFiles("#file-input", silence);
  ({ state, status } = await settled(page));
  assert.equal(state, "no-speech");
  assert.equal(status, "No speech was found in silence.wav (0:05.0 of audio).");
  await screenshot(page, "file-3-no-speech");

  await page.setInputFiles("#file-input", wav);
  ({ state } = await settled(page));
  assert.equal(state, "done");
  assert.equal(await page.getAttribute("#file-overall", "data-label"), expected.label);
});

test("nothing was stored and no request left this machine", async () => {
  const { page, requests, errors } = session;
  const stored = await page.evaluate(async () => ({
    localStorage: localStorage.length,
    sessionStorage: sessionStorage.length,
    indexedDB: (await indexedDB.databases()).length,
    caches: (await caches.keys()).length,
  }));
  assert.deepEqual(stored, { localStorage: 0, sessionStorage: 0, indexedDB: 0, caches: 0 });
  assert.ok(requests.length > 0);
  assert.deepEqual(foreignRequests(requests), []);
  assert.deepEqual(errors, []);
});
