// The live view with a fake microphone playing a real angry utterance, then silence (looped by
// Chromium): the bars move, the verdict during speech is the CLI's for the same file, silence
// shows "no speech", Stop stops, everything is operable by keyboard, and no request leaves the
// machine. Prints the page's load-to-first-prediction time (the per-hop cost is in `npm run bench`).

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  NOTHING_STORED,
  angryWav,
  argmax,
  cli,
  foreignRequests,
  liveView,
  openApp,
  scratch,
  screenshot,
  sleep,
  storedItems,
} from "./helpers.mjs";

/** Silence after the utterance: long enough for whole model windows without speech. */
const SILENCE_SECONDS = 4;
/** Watch for about one and a half passes of the looped file. */
const WATCH_MS = 13000;

let session, wav, expected;

before(async () => {
  wav = angryWav(scratch(), SILENCE_SECONDS);
  expected = cli(wav);
  session = await openApp({ microphone: "file", audio: wav });
});

after(() => session?.close());

test("live: bars move, speech reads as the CLI's verdict, silence reads as no speech", async () => {
  const { page } = session;
  const labels = await page.$$eval("#bars li", (rows) => rows.map((r) => r.dataset.label));
  assert.equal(labels.length, 8);
  assert.equal((await liveView(page)).state, "idle");
  await screenshot(page, "live-1-idle");

  // Keyboard only: focus Start, press Enter; focus moves to Stop.
  await page.focus("#start");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("live").dataset.state !== "starting");
  assert.equal(await page.evaluate(() => document.activeElement.id), "stop");

  const views = [];
  const announcements = [];
  const shots = new Set();
  const started = Date.now();
  while (Date.now() - started < WATCH_MS) {
    const view = await liveView(page);
    views.push(view);
    const said = await page.textContent("#announcer");
    if (said && said !== announcements.at(-1)) announcements.push(said);
    // One screenshot of each state, the first time it shows.
    const speechSeen = views.some((v) => v.state === "speech" || v.state === "unsure");
    if (!shots.has(view.state) && (view.state !== "no-speech" || speechSeen)) {
      shots.add(view.state);
      await screenshot(page, `live-2-${view.state}`);
    }
    await sleep(100);
  }

  const speech = views.filter((v) => v.state === "speech" || v.state === "unsure");
  assert.ok(speech.length > 0, `no speech shown; states: ${[...new Set(views.map((v) => v.state))]}`);
  for (const v of speech) assert.ok(Math.abs(v.bars.reduce((a, b) => a + b) - 1) < 2e-3, `${v.bars}`);
  const distinct = new Set(speech.map((v) => v.bars.join()));
  assert.ok(distinct.size >= 3, `the bars took only ${distinct.size} positions`);

  // The verdict over the speech is the CLI's overall label for the same file.
  const mean = labels.map((_, i) => speech.reduce((sum, v) => sum + v.bars[i], 0) / speech.length);
  assert.equal(labels[argmax(mean)], expected.label, `live mean ${mean.map((p) => p.toFixed(2))}`);
  assert.ok(speech.some((v) => v.label === expected.label));
  const sure = speech.find((v) => v.state === "speech" && v.label === expected.label);
  assert.ok(sure, `the headline never named ${expected.label} with confidence`);
  assert.match(sure.words, new RegExp(expected.label, "i"));

  // Silence after the speech: "no speech", empty bars.
  const firstSpeech = views.indexOf(speech[0]);
  const silent = views.slice(firstSpeech).find((v) => v.state === "no-speech");
  assert.ok(silent, "no no-speech state after the speech");
  assert.equal(silent.words, "Listening — no speech");
  assert.ok(silent.bars.every((p) => p === 0));

  // The live region speaks, but not more than once every 3 seconds.
  assert.ok(announcements.length >= 1);
  assert.ok(announcements.length <= Math.ceil(WATCH_MS / 3000) + 1, `${announcements}`);

  // On a phone-sized screen, while speech is shown.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => ["speech", "unsure"].includes(document.getElementById("live").dataset.state));
  await screenshot(page, "live-3-phone");
  await page.setViewportSize({ width: 900, height: 1100 });

  // Stop by keyboard: predictions stop, focus returns to Start.
  await page.keyboard.press("Enter");
  assert.equal((await liveView(page)).state, "idle");
  assert.equal(await page.evaluate(() => document.activeElement.id), "start");
  await sleep(1500);
  assert.equal((await liveView(page)).state, "idle", "a prediction arrived after Stop");
  await screenshot(page, "live-4-stopped");

  const [ready, first] = await page.evaluate(() =>
    ["voice-emotion:ready", "voice-emotion:first-prediction"].map((name) => performance.getEntriesByName(name)[0].startTime),
  );
  console.log(`figure: navigation to recognizer ready ${ready.toFixed(0)} ms; to first live prediction ${first.toFixed(0)} ms`);
  console.log(`live: CLI says ${expected.label}; ${speech.length} speech views; announcements: ${announcements.join(" | ")}`);
});

test("nothing was stored and no request left this machine during the live session", async () => {
  assert.deepEqual(await storedItems(session.page), NOTHING_STORED);
  assert.ok(session.requests.length > 0);
  assert.deepEqual(foreignRequests(session.requests), []);
  assert.deepEqual(session.errors, []);
});
