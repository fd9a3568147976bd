// The page in another browser engine (VE_ENGINE=firefox or webkit, see drivers.mjs), as a person
// uses it: it loads; a real speech file picked in the file view gives the CLI's label and
// timeline; live, a real utterance played into a virtual microphone (PulseAudio, see
// virtual-mic.mjs: getUserMedia, the AudioContext at the device's rate and the worklet, as with a
// person's microphone) shows the CLI's label, and silence shows no speech; a practice attempt
// through the same microphone ends by itself and answers as the CLI does; with a model that takes a
// reference, the everyday voice recorded through it is compared with until forgotten; no request leaves the
// machine and nothing is stored; a missing, a refused and a paused microphone give the same words
// as in every other engine. Screenshots of each state go to artifacts/ as ENGINE-*.png.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { caveat } from "../../www/emotions.js";
import { readableTimeline } from "../../www/timeline.js";
import {
  ROOT,
  angryWav,
  apiTimeline,
  assertPracticeAnswer,
  cli,
  cliAlignments,
  foreignRequests,
  onlyAppFiles,
  liveVerdict,
  neutralWav,
  readLiveView,
  readPractice,
  readStoredItems,
  scratch,
  serve,
} from "../e2e/helpers.mjs";
import { ENGINE, cannot, describe, launch, waitFor } from "./drivers.mjs";
import { startVirtualMicrophone } from "./virtual-mic.mjs";

const { labels, decision, window, frontend, sample_rate } = JSON.parse(readFileSync(join(ROOT, "models/emotion.json"), "utf8"));
/** What the page's `Model` reports, from the same metadata. */
const MODEL = { labels, unsureBelow: decision.unsure_below, hopSeconds: (window.hop_frames * frontend.hop_length) / sample_rate };
/** Silence after the utterance: long enough for whole model windows without speech. */
const SILENCE_SECONDS = 4;
/** Generous: two cores shared with builds; the wasm compiles in each engine on every load. */
const LOAD_TIMEOUT = 120000;
const STATE_TIMEOUT = 60000;

let server, wav, neutral, expected, alignments, microphone, browser;

before(async () => {
  const dir = scratch();
  wav = angryWav(dir, SILENCE_SECONDS);
  neutral = neutralWav(dir);
  expected = cli(wav);
  alignments = cliAlignments(wav);
  server = await serve();
  microphone = await startVirtualMicrophone();
  browser = await launch(ENGINE, { microphone: "real", env: microphone.env });
  console.log(`engine: ${describe(browser)}`);
});

after(async () => {
  await browser?.close();
  await microphone?.close();
  server?.close();
});

/** Opens the page and waits for the recognizer. */
async function open(session) {
  const ready = async () => {
    await session.goto(server.url);
    await waitFor(session, () => performance.getEntriesByName("voice-emotion:ready").length > 0, {
      timeout: LOAD_TIMEOUT,
      what: "the recognizer",
    });
  };
  try {
    await ready();
  } catch (error) {
    // WebKitGTK here has sometimes never finished loading the page (3 of about 12 suite runs in
    // sessions 6-7, a different test each time; the same tree passed when run again, and Chromium
    // and Firefox never did this). Keep what the page showed, say so, and load it once more: a page
    // that cannot load still fails.
    await session.screenshot(`${ENGINE}-load-stuck`);
    const shown = await session.evaluate(() => document.body?.innerText.slice(0, 200) ?? document.readyState);
    console.log(`${ENGINE}: ${error.message}; the page showed: ${JSON.stringify(shown)}; loading it again`);
    await ready();
  }
}

const liveState = () => document.getElementById("live").dataset.state;

test(`${ENGINE}: the page loads, with its recognizer`, async () => {
  await open(browser);
  assert.equal(await browser.evaluate(liveState), "idle");
  assert.equal(await browser.evaluate(() => document.getElementById("start").disabled), false);
  await browser.screenshot(`${ENGINE}-1-loaded`);
});

test(`${ENGINE}: a picked speech file gives the CLI's label and timeline`, async () => {
  await browser.pickFile("#file-input", wav);
  const { state, status } = await waitFor(
    browser,
    () => {
      const { state } = document.getElementById("file").dataset;
      return !["idle", "working"].includes(state) && { state, status: document.getElementById("file-status").textContent };
    },
    { timeout: STATE_TIMEOUT, what: "the file's result" },
  );
  assert.equal(state, "done", status);
  const shown = await browser.evaluate(() => ({
    label: document.getElementById("file-overall").dataset.label,
    rows: [...document.querySelectorAll("#timeline-rows tr")].map((tr) => tr.dataset.reading),
  }));
  assert.equal(shown.label, expected.label);
  const readable = readableTimeline(apiTimeline(expected.timeline, labels), MODEL);
  assert.deepEqual(
    shown.rows,
    readable.map((s) => s.reading.key),
  );
  await browser.screenshot(`${ENGINE}-2-file`);
  console.log(`file: CLI and ${ENGINE} say ${expected.label}; ${shown.rows.length} timeline rows`);
});

test(`${ENGINE}: live, silence shows no speech and a real utterance through the microphone shows the CLI's label`, async () => {
  await browser.click("#start");
  // Nothing plays yet: the virtual microphone gives silence.
  const silent = await waitFor(browser, () => document.getElementById("live").dataset.state === "no-speech" && document.getElementById("dominant").textContent, {
    timeout: STATE_TIMEOUT,
    what: "no speech in silence",
  });
  assert.equal(silent, "Listening — no speech");
  assert.ok((await browser.evaluate(readLiveView)).bars.every((p) => p === 0));
  await browser.screenshot(`${ENGINE}-3-live-no-speech`);

  // The live view, read every 100 ms (a prediction comes every 500 ms) while the file plays.
  const views = [];
  const played = microphone.play(wav);
  let done = false;
  played.then(() => (done = true));
  const heardSpeech = () => views.some((v) => v.state === "speech" || v.state === "unsure");
  const deadline = Date.now() + STATE_TIMEOUT;
  // Until the file has played, speech was shown, and silence after it shows no speech again.
  while (!(done && heardSpeech() && views.at(-1).state === "no-speech")) {
    assert.ok(Date.now() < deadline, `states seen: ${[...new Set(views.map((v) => v.state))]}`);
    const view = await browser.evaluate(readLiveView);
    views.push(view);
    if (view.state === "speech" && view.label === expected.label && !views.shot) {
      views.shot = true;
      await browser.screenshot(`${ENGINE}-4-live-speech`);
    }
    await new Promise((wait) => setTimeout(wait, 100));
  }
  await played;
  const { speech, heard, mean, label } = liveVerdict(views, labels);
  assert.equal(label, expected.label, `live mean ${mean.map((p) => p.toFixed(2))}`);
  assert.ok(
    speech.some((v) => v.state === "speech" && v.label === expected.label),
    `the headline never named ${expected.label} with confidence`,
  );
  const after = views.at(-1);
  assert.equal(after.words, "Listening — no speech");
  assert.ok(after.bars.every((p) => p === 0));

  await browser.click("#stop");
  assert.equal(await browser.evaluate(liveState), "idle");
  console.log(`live: CLI says ${expected.label}; ${ENGINE} showed ${heard.length} predictions with speech, mean ${mean.map((p) => p.toFixed(2))}`);
});

test(`${ENGINE}: practice, an attempt through the microphone ends by itself and answers as the CLI does`, async () => {
  await browser.click('#practice-targets input[value="angry"]');
  await browser.click("#practice-start");
  // Nothing plays yet: the attempt waits for speech.
  await waitFor(browser, () => document.getElementById("practice").dataset.state === "waiting", {
    timeout: STATE_TIMEOUT,
    what: "the attempt to listen",
  });
  assert.deepEqual(
    await browser.evaluate(() => ["practice-start", "practice-stop"].map((id) => document.getElementById(id).disabled)),
    [true, false],
  );
  await browser.screenshot(`${ENGINE}-5-practice-waiting`);
  const played = microphone.play(wav);
  // The file's silence after the utterance is the pause that ends the attempt.
  const shown = await waitFor(browser, () => document.getElementById("practice").dataset.state === "done", {
    timeout: STATE_TIMEOUT,
    what: "the attempt's answer",
  }).then(() => browser.evaluate(readPractice));
  await played;
  console.log(`practice: ${assertPracticeAnswer(shown, alignments, MODEL.labels, MODEL.unsureBelow)}`);
  assert.equal(shown.rows.length, 1);
  await browser.screenshot(`${ENGINE}-6-practice-answer`);
});

test(`${ENGINE}: the everyday voice, recorded through the microphone, is compared with until forgotten`, async () => {
  await open(browser);
  const voiceState = () => document.getElementById("voice").dataset.state;
  // The live view's; a file's result keeps the caveat it was judged with.
  const caveats = () => [...document.querySelectorAll("#live .caveat")].map((p) => p.textContent);
  assert.equal(await browser.evaluate(voiceState), "idle");
  assert.deepEqual(await browser.evaluate(caveats), [caveat(false)]);
  await browser.click("#voice-start");
  await waitFor(browser, () => document.getElementById("voice").dataset.state === "recording", {
    timeout: STATE_TIMEOUT,
    what: "the recording to start",
  });
  const played = microphone.play(neutral);
  const counted = await waitFor(browser, () => !document.getElementById("voice-done").disabled && document.getElementById("voice-seconds").textContent, {
    timeout: STATE_TIMEOUT,
    what: "enough speech for Done",
  });
  await played;
  await browser.screenshot(`${ENGINE}-7-voice-recording`);
  await browser.click("#voice-done");
  const ended = await waitFor(
    browser,
    () => ["set", "error"].includes(document.getElementById("voice").dataset.state) && document.getElementById("voice").dataset.state,
    { timeout: STATE_TIMEOUT, what: "the voice to be checked" },
  );
  assert.equal(ended, "set", await browser.evaluate(() => document.getElementById("voice-message").textContent));
  assert.deepEqual(await browser.evaluate(caveats), [caveat(true)]);
  await browser.screenshot(`${ENGINE}-8-voice-set`);
  await browser.click("#voice-forget");
  assert.equal(await browser.evaluate(voiceState), "idle");
  assert.deepEqual(await browser.evaluate(caveats), [caveat(false)]);
  console.log(`voice: ${ENGINE} recorded the everyday voice through the microphone (${counted}) and forgot it`);
});

test(`${ENGINE}: nothing was stored and no request left this machine`, async () => {
  const stored = await browser.evaluate(readStoredItems);
  // The service worker caches the app's own files once it has installed; before, nothing at all.
  if (Object.keys(stored.caches).length === 0) stored.caches = onlyAppFiles().caches;
  assert.deepEqual(stored, onlyAppFiles());
  const requests = await browser.requests();
  assert.ok(requests.some((url) => url.endsWith("voice_emotion_bg.wasm")), `${requests}`);
  assert.deepEqual(foreignRequests(requests), []);
});

for (const { microphone, words } of [
  { microphone: "none", words: /^No microphone was found\. Connect one, then press Start again\.$/ },
  { microphone: "deny", words: /^Microphone access was denied\. Allow the microphone for this page/ },
  { microphone: "suspended", words: /^The browser is keeping audio paused\. Press Start again;/ },
]) {
  test(`${ENGINE}: microphone ${microphone}, the same clear words as every engine, and Start works again`, async (t) => {
    if (cannot(ENGINE, microphone)) return t.skip(cannot(ENGINE, microphone));
    const session = await launch(ENGINE, { microphone });
    try {
      await open(session);
      await session.click("#start");
      const shown = await waitFor(
        session,
        () => {
          const message = document.getElementById("mic-message");
          return !message.hidden && { words: message.textContent, cause: message.dataset.error };
        },
        { timeout: STATE_TIMEOUT, what: "the microphone's message" },
      );
      assert.match(shown.words, words, `cause ${shown.cause}`);
      assert.deepEqual(
        await session.evaluate(() => ({
          state: document.getElementById("live").dataset.state,
          start: !document.getElementById("start").disabled,
          stop: !document.getElementById("stop").disabled,
        })),
        { state: "error", start: true, stop: false },
      );
      await session.screenshot(`${ENGINE}-mic-${microphone}`);
      console.log(`microphone ${microphone}: ${ENGINE} rejected with ${shown.cause}`);
    } finally {
      await session.close();
    }
  });
}
