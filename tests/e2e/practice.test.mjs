// The practice view with a fake microphone playing a real angry utterance, then silence: aiming
// for "angry" by keyboard alone, an attempt ends by itself after the utterance and answers with
// the CLI's words and numbers for the same speech (the target's calibrated score, energy and
// pleasantness, within their range over where the windows fall); "Try again" records another; the attempts are listed, in memory only; starting
// the live view abandons an attempt; every state is axe-clean at desktop and phone width.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  angryWav,
  assertPracticeAnswer,
  captureState,
  cliAlignments,
  contrastRatio,
  foreignRequests,
  onlyAppFiles,
  openApp,
  readPractice,
  scratch,
  storedItems,
} from "./helpers.mjs";

/** Silence after the utterance: the pause that ends an attempt, with room to spare. */
const SILENCE_SECONDS = 4;
const ATTEMPT_TIMEOUT = 60000;

let session, alignments;

before(async () => {
  const wav = angryWav(scratch(), SILENCE_SECONDS);
  alignments = cliAlignments(wav);
  session = await openApp({ microphone: "file", audio: wav });
});

after(() => session?.close());

/** Waits for the attempt under way to give its answer, taking a screenshot while it hears speech. */
async function attempt(page, name) {
  await page.waitForFunction(() => document.getElementById("practice").dataset.state === "hearing", null, { timeout: ATTEMPT_TIMEOUT });
  if (name) await captureState(page, name);
  await page.waitForFunction(() => document.getElementById("practice").dataset.state === "done", null, { timeout: ATTEMPT_TIMEOUT });
  return page.evaluate(readPractice);
}

test("practice: aim, read, and the answer is the CLI's for the same speech", async () => {
  const { page } = session;
  const { labels, unsureBelow } = await page.evaluate(async () => {
    const { Model } = await import("/pkg/voice_emotion.js");
    const model = new Model();
    return { labels: model.labels, unsureBelow: model.unsureBelow };
  });
  assert.equal((await page.evaluate(readPractice)).state, "idle");
  assert.equal(await page.$$eval("#practice-targets input", (inputs) => inputs.length), labels.length);
  await captureState(page, "practice-1-idle");
  // Each aim's colour stripe stands out from the panel by at least 3:1 (its word says the same).
  const stripes = await page.$$eval("#practice-targets .target", (targets) =>
    targets.map((t) => [getComputedStyle(t).borderLeftColor, getComputedStyle(t.closest(".panel")).backgroundColor]),
  );
  for (const [stripe, panel] of stripes) assert.ok(contrastRatio(stripe, panel) >= 3, `${stripe} on ${panel}: ${contrastRatio(stripe, panel)}`);

  // Keyboard only: the arrow keys move the aim to "angry"; Tab reaches Start.
  await page.focus("#practice-targets input:checked");
  while ((await page.evaluate(() => document.activeElement.value)) !== "angry") await page.keyboard.press("ArrowRight");
  assert.equal(await page.$eval("#practice-targets input:checked", (input) => input.value), "angry");
  const sentence = await page.textContent("#practice-sentence");
  await page.focus("#practice-another");
  await page.keyboard.press("Enter");
  assert.notEqual(await page.textContent("#practice-sentence"), sentence);
  await page.focus("#practice-start");
  await page.keyboard.press("Enter");

  const first = await attempt(page, "practice-2-hearing");
  console.log(`practice: ${assertPracticeAnswer(first, alignments, labels, unsureBelow)}`);
  assert.equal(first.announced, first.verdict);
  assert.equal(first.focused, "practice-again");
  assert.deepEqual(first.rows, [["1", "Angry", first.rows[0][2], first.scoreWords]]);
  await captureState(page, "practice-3-answer");

  // Try again (Enter on the focused button): a second attempt, a second row.
  await page.keyboard.press("Enter");
  const second = await attempt(page);
  assert.equal(second.rows.length, 2);
  assert.equal(second.rows[1][1], "Angry");
  await captureState(page, "practice-4-two-attempts");

  // One microphone at a time: the live view's Start abandons an attempt under way.
  await page.click("#practice-start");
  await page.waitForFunction(() => ["waiting", "hearing"].includes(document.getElementById("practice").dataset.state));
  await page.click("#start");
  await page.waitForFunction(() => document.getElementById("live").dataset.state !== "starting");
  const abandoned = await page.evaluate(readPractice);
  assert.equal(abandoned.state, "idle");
  assert.equal(abandoned.rows.length, 2, "an abandoned attempt was listed");
  await page.click("#stop");

  // Nothing left the machine and nothing was stored: the attempts live in the page's memory only.
  assert.deepEqual(foreignRequests(session.requests), []);
  assert.deepEqual(await storedItems(page), onlyAppFiles());
  assert.deepEqual(session.errors, []);
});
