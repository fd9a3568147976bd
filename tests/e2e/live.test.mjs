// The live view with a fake microphone playing a real angry utterance, then silence (looped by
// Chromium): the bars move, the verdict during speech is the CLI's for the same file, silence
// shows "no speech", Stop stops, everything is operable by keyboard, and no request leaves the
// machine. Prints the page's load-to-first-prediction time (the per-hop cost is in `npm run bench`).

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { adjective, title } from "../../www/emotions.js";
import {
  angryWav,
  captureState,
  cli,
  contrastRatio,
  foreignRequests,
  liveVerdict,
  liveView,
  onlyAppFiles,
  openApp,
  scratch,
  sleep,
  storedItems,
} from "./helpers.mjs";

/** Silence after the utterance: long enough for whole model windows without speech. */
const SILENCE_SECONDS = 4;
/** Watch for about one and a half passes of the looped file. */
const WATCH_MS = 13000;

/** The live history as a person sees it: its blocks' classes and its sentence. */
const historyView = (page) =>
  page.evaluate(() => ({
    blocks: [...document.querySelectorAll("#history-strip li")].map((li) => li.className),
    summary: document.getElementById("history-summary").textContent,
  }));

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
  await captureState(page, "live-1-idle");

  // Keyboard only: focus Start, press Enter; focus moves to Stop.
  await page.focus("#start");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("live").dataset.state !== "starting");
  assert.equal(await page.evaluate(() => document.activeElement.id), "stop");
  // No verdict before one has led for the hold time (hold.js): the first half second of speech,
  // scored from a window that holds little of it, never reaches the headline.
  await captureState(page, "live-2-listening");

  const views = [];
  const announcements = [];
  const started = Date.now();
  while (Date.now() - started < WATCH_MS) {
    const view = await liveView(page);
    views.push(view);
    const said = await page.textContent("#announcer");
    if (said && said !== announcements.at(-1)) announcements.push(said);
    await sleep(100);
  }

  const { speech, heard, mean, label: heardLabel } = liveVerdict(views, labels);
  assert.ok(speech.length > 0, `no speech shown; states: ${[...new Set(views.map((v) => v.state))]}`);
  for (const v of speech) assert.ok(Math.abs(v.bars.reduce((a, b) => a + b) - 1) < 2e-3, `${v.bars}`);
  // Whatever the headline holds, the bars show every prediction with speech (dimmed in other states).
  const distinct = new Set(views.filter((v) => v.bars.some((p) => p > 0)).map((v) => v.bars.join()));
  assert.ok(distinct.size >= 3, `the bars took only ${distinct.size} positions`);

  // The verdict over the speech is the CLI's overall label for the same file: each prediction
  // counted once, however long the page shows it (the bars keep the last speech through a pause).
  assert.equal(heardLabel, expected.label, `live mean ${mean.map((p) => p.toFixed(2))}`);
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

  // The words: a sentence about the voice, in adjectives, and the same sentences announced.
  const sentence = /^(The voice sounds \w+|Not sure: the voice could be \w+ or \w+)$/;
  for (const v of speech) assert.match(v.words, sentence);
  for (const v of speech.filter((v) => v.state === "speech")) assert.equal(v.words, `The voice sounds ${adjective(v.label)}`);
  for (const said of announcements) assert.match(said, new RegExp(`${sentence.source}|^No speech$`));
  assert.equal(await page.textContent("#live .caveat"), "This is how the voice sounds, not how the person feels.");

  // The last minute: a strip in the timeline's colours and a sentence, both naming the verdict held.
  const history = await historyView(page);
  assert.ok(history.blocks.includes(`emotion emotion-${expected.label}`), `${history.blocks}`);
  assert.match(history.summary, new RegExp(`^Mostly ${adjective(expected.label)};|\\b${adjective(expected.label)} for \\d+ s`, "i"));

  // The live region speaks, but not more than once every 3 seconds.
  assert.ok(announcements.length >= 1);
  assert.ok(announcements.length <= Math.ceil(WATCH_MS / 3000) + 1, `${announcements}`);

  // Every state seen, again (the microphone's file loops), for its screenshots and scan. Speech and
  // silence come back every loop; a passing state (an utterance's unsure start) may not, and is then
  // only logged.
  const seen = new Set(speech.map((v) => v.state)).add("no-speech");
  for (const state of seen) {
    const back = await page
      .waitForFunction((state) => document.getElementById("live").dataset.state === state, state, { timeout: 30000 })
      .then(() => true, (error) => (["speech", "no-speech"].includes(state) ? Promise.reject(error) : false));
    if (back) await captureState(page, `live-3-${state}`);
    else console.log(`live: the state "${state}" did not come back within 30 s; no screenshot of it`);
  }

  // The simple view, chosen by keyboard: one big word and a shape instead of the eight bars, in
  // whichever state the page is in (the word and shape follow the headline's state).
  await page.focus("#simple-toggle");
  await page.keyboard.press("Space");
  const simple = await (
    await page.waitForFunction(
      () =>
        ["speech", "unsure", "no-speech"].includes(document.getElementById("live").dataset.state) && {
          state: document.getElementById("live").dataset.state,
          label: document.getElementById("dominant").dataset.label,
          bars: document.getElementById("bars").checkVisibility(),
          shown: document.querySelector(".simple-view").checkVisibility(),
          word: document.getElementById("simple-word").textContent,
          shape: document.getElementById("simple-shape").className,
        },
      null,
      { timeout: 30000 },
    )
  ).jsonValue();
  const { state, label } = simple;
  const looks = {
    speech: { word: title(adjective(label)), shape: `shape emotion emotion-${label}` },
    unsure: { word: "Not sure", shape: "shape unsure" },
    "no-speech": { word: "No speech", shape: "shape no-speech" },
  }[state];
  assert.deepEqual(simple, { state, label, bars: false, shown: true, ...looks });
  await captureState(page, "live-4-simple");
  await page.keyboard.press("Space");
  assert.equal(await page.isVisible("#bars"), true);

  // Stop by keyboard: predictions stop, focus returns to Start, the history is gone.
  await page.focus("#stop");
  await page.keyboard.press("Enter");
  assert.equal((await liveView(page)).state, "idle");
  assert.equal(await page.evaluate(() => document.activeElement.id), "start");
  const erased = { blocks: [], summary: "Nothing yet: this fills while listening, and Stop erases it." };
  assert.deepEqual(await historyView(page), erased);
  await sleep(1500);
  assert.equal((await liveView(page)).state, "idle", "a prediction arrived after Stop");
  assert.deepEqual(await historyView(page), erased, "the history came back after Stop");
  await captureState(page, "live-5-stopped");

  const [ready, first] = await page.evaluate(() =>
    ["voice-emotion:ready", "voice-emotion:first-prediction"].map((name) => performance.getEntriesByName(name)[0].startTime),
  );
  console.log(`figure: navigation to recognizer ready ${ready.toFixed(0)} ms; to first live prediction ${first.toFixed(0)} ms`);
  console.log(
    `live: CLI says ${expected.label}; ${speech.length} speech views, ${heard.length} predictions, mean ${mean.map((p) => p.toFixed(2))}; announcements: ${announcements.join(" | ")}`,
  );
});

test("the bars: each colour 3:1 against its track; they glide unless the user asks for less motion", async () => {
  const { page } = session;
  const pairs = await page.$$eval("#bars .track", (tracks) =>
    tracks.map((track) => [getComputedStyle(track.firstChild).backgroundColor, getComputedStyle(track).backgroundColor]),
  );
  assert.equal(pairs.length, 8);
  for (const [fill, track] of pairs) assert.ok(contrastRatio(fill, track) >= 3, `${fill} on ${track}: ${contrastRatio(fill, track)}`);

  const transitions = () => page.$$eval("#bars, #bars .fill", (els) => [...new Set(els.map((el) => getComputedStyle(el).transitionDuration))]);
  assert.deepEqual(await transitions(), ["0.5s"]);
  await page.emulateMedia({ reducedMotion: "reduce" });
  assert.deepEqual(await transitions(), ["0s"]);
  await page.emulateMedia({ reducedMotion: null });
});

test("the history holds the last minute only, drawn to scale", async () => {
  const { blocks, summary } = await session.page.evaluate(async () => {
    const { createHistory } = await import("/history.js");
    const { reading } = await import("/emotions.js");
    const labels = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"];
    const sure = (label) => reading({ label, confidence: 0.8, probabilities: labels.map((l) => (l === label ? 0.8 : 0.2 / 7)) }, labels, 0.4);
    const strip = document.createElement("ol");
    const summary = document.createElement("p");
    const history = createHistory(strip, summary);
    // 80 s calm, 10 s angry, 5 s without speech: a prediction every half second.
    for (let t = 0.5; t <= 95; t += 0.5) history.add(t, t <= 80 ? sure("calm") : t <= 90 ? sure("angry") : reading(null, labels, 0.4));
    return {
      blocks: [...strip.children].map((li) => [li.className, Number(li.style.flexGrow), li.textContent]),
      summary: summary.textContent,
    };
  });
  assert.deepEqual(blocks, [
    ["emotion emotion-calm", 45, "Calm"],
    ["emotion emotion-angry", 10, "Angry"],
    ["no-speech", 5, "No speech"],
  ]);
  assert.equal(summary, "Mostly calm; angry for 10 s");
});

test("nothing but the app's own files was stored and no request left this machine during the live session", async () => {
  assert.deepEqual(await storedItems(session.page), onlyAppFiles());
  assert.ok(session.requests.length > 0);
  assert.deepEqual(foreignRequests(session.requests), []);
  assert.deepEqual(session.errors, []);
});
