// The page's display rules on crafted predictions and timelines, in Node (they touch no DOM): the
// words, the hold on the live headline, the flow every live view shares (controller.js), the live
// history's sentence, and the file timeline as the page shows it.

import assert from "node:assert/strict";
import { test } from "node:test";
import { createController } from "../../www/controller.js";
import { affectWords, attemptAnswer, numbers, reading } from "../../www/emotions.js";
import { summarize } from "../../www/history.js";
import { HOLD_SECONDS, createHold, createVerdict } from "../../www/hold.js";
import { microphoneMessage } from "../../www/messages.js";
import { readableTimeline } from "../../www/timeline.js";

const LABELS = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"];
const UNSURE_BELOW = 0.4;
const HOP_SECONDS = 0.5;
const MODEL = { labels: LABELS, unsureBelow: UNSURE_BELOW, hopSeconds: HOP_SECONDS };

/** Probabilities with `weights` ({ label: p }) and the rest shared evenly by the other labels. */
function probabilities(weights) {
  const given = Object.values(weights).reduce((a, b) => a + b, 0);
  const rest = (1 - given) / (LABELS.length - Object.keys(weights).length);
  return LABELS.map((label) => weights[label] ?? rest);
}

/** The emotion the wasm would report for `weights` (energy and pleasantness: stand-ins, the top's weight). */
function emotion(weights) {
  const p = probabilities(weights);
  const best = p.indexOf(Math.max(...p));
  return { label: LABELS[best], confidence: p[best], arousal: p[best], valence: 1 - p[best], probabilities: p };
}

const read = (weights) => reading(weights && emotion(weights), LABELS, UNSURE_BELOW);

test("a sure verdict is a sentence about the voice, with an adjective", () => {
  const adjectives = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgusted", "surprised"];
  LABELS.forEach((label, i) => {
    const sure = read({ [label]: 0.9 });
    assert.equal(sure.headline, `The voice sounds ${adjectives[i]}`);
    assert.equal(sure.kind, "speech");
    assert.equal(numbers(sure, emotion({ [label]: 0.9 }).probabilities, LABELS), "90 % sure");
  });
  // A verdict held while newer numbers lead elsewhere is not called "31 % sure".
  const held = read({ angry: 0.6 });
  assert.equal(numbers(held, probabilities({ angry: 0.31, surprised: 0.38 }), LABELS), "angry 31 % now; surprised leads with 38 %");
});

test("energy and pleasantness name the side the voice is on and how likely", () => {
  assert.deepEqual(affectWords({ arousal: 0.82, valence: 0.2 }), { energy: "high 82 %", pleasantness: "low 80 %" });
  assert.deepEqual(affectWords({ arousal: 0.5, valence: 0.49 }), { energy: "high 50 %", pleasantness: "low 51 %" });
});

test("a practice attempt's answer names what it sounded like and where the aim came", () => {
  const answer = (weights, target) => attemptAnswer(weights && emotion(weights), target, LABELS, UNSURE_BELOW);
  const happyThenCalm = { happy: 0.5, calm: 0.3 };
  assert.deepEqual(answer(happyThenCalm, "happy"), { reading: read(happyThenCalm), verdict: "That sounded happy, as you meant.", score: 0.5 });
  assert.equal(answer(happyThenCalm, "calm").verdict, "That sounded happy. Calm came second.");
  assert.equal(answer(happyThenCalm, "calm").score, 0.3);
  // The other six share what is left: equal, so each came third; the adjective for a noun label.
  assert.equal(answer(happyThenCalm, "disgust").verdict, "That sounded happy. Disgusted came third.");
  assert.equal(answer({ happy: 0.5, calm: 0.3, sad: 0.1, angry: 0.04, fearful: 0.03, disgust: 0.02, surprised: 0.01 }, "neutral").verdict,
    "That sounded happy. Neutral came last.");
  // Not sure: the two it could be, and the aim's place only when it is not one of them.
  assert.equal(answer({ calm: 0.35, sad: 0.3 }, "sad").verdict, "Not sure: that could be calm or sad.");
  assert.equal(answer({ calm: 0.35, sad: 0.3 }, "angry").verdict, "Not sure: that could be calm or sad. Angry came third.");
  assert.deepEqual(answer(null, "angry"), {
    reading: read(null),
    verdict: "No speech was heard. Try again, reading the sentence aloud.",
    score: null,
  });
});

test('"not sure" says which two the voice could be', () => {
  const unsure = read({ calm: 0.35, sad: 0.3 });
  assert.equal(unsure.headline, "Not sure: the voice could be calm or sad");
  assert.equal(unsure.name, "Not sure: calm or sad");
  assert.equal(numbers(unsure, probabilities({ calm: 0.35, sad: 0.3 }), LABELS), "calm 35 %, sad 30 %");
  // The same two, the other way round, are the same reading.
  assert.equal(read({ sad: 0.35, calm: 0.3 }).key, unsure.key);
  assert.notEqual(read({ calm: 0.35, disgust: 0.3 }).key, unsure.key);
  assert.equal(read({ disgust: 0.35, calm: 0.3 }).headline, "Not sure: the voice could be disgusted or calm");
  assert.deepEqual([read(null).kind, read(null).headline], ["no-speech", "No speech"]);
});

test(`the headline changes only when another reading has led for ${HOLD_SECONDS} s`, () => {
  const hold = createHold();
  let time = 0;
  /** One prediction 0.5 s after the last; what the headline shows then (null: nothing yet). */
  const next = (weights) => hold.update(read(weights), (time += 0.5))?.key ?? null;
  const steps = HOLD_SECONDS / 0.5; // predictions after the first before a new reading shows

  // Nothing shows until speech has gone on for the hold time; a first half second of "fearful"
  // never shows: the newest reading does.
  assert.equal(next({ fearful: 0.9 }), null);
  for (let i = 0; i < steps - 1; i++) assert.equal(next({ angry: 0.8 }), null);
  assert.equal(next({ angry: 0.8 }), "angry");

  // A single contrary hop, a near-tie flipping every hop, a short pause, a brief "not sure": no change.
  assert.equal(next({ fearful: 0.9 }), "angry");
  for (let i = 0; i < 8; i++) assert.equal(next(i % 2 ? { angry: 0.45 } : { fearful: 0.45 }), "angry");
  for (let i = 0; i < steps; i++) assert.equal(next(null), "angry");
  for (let i = 0; i < steps; i++) assert.equal(next({ calm: 0.35, sad: 0.3 }), "angry");

  // Another reading that keeps the lead takes over after exactly the hold time.
  for (let i = 0; i < steps; i++) assert.equal(next({ sad: 0.7 }), "angry", "took over before the hold time");
  assert.equal(next({ sad: 0.7 }), "sad");
  for (let i = 0; i < steps; i++) next(null);
  assert.equal(next(null), "no-speech");

  hold.reset();
  assert.equal(next({ sad: 0.7 }), null);
});

test("speech whose readings take turns shows as speech after the hold time, then holds", () => {
  const hold = createHold();
  let time = 0;
  const next = (weights) => hold.update(read(weights), (time += 0.5))?.key ?? null;
  const steps = HOLD_SECONDS / 0.5;
  const turns = [{ angry: 0.8 }, { angry: 0.35, happy: 0.3 }, { happy: 0.6 }];
  for (let i = 0; i < steps; i++) next(null);
  assert.equal(next(null), "no-speech");

  // No one reading leads for the hold time, yet a person is speaking: the newest reading shows.
  for (let i = 0; i < steps; i++) assert.equal(next(turns[i % 3]), "no-speech");
  assert.equal(next(turns[steps % 3]), read(turns[steps % 3]).key);
  // From then on the usual hold: taking turns does not move the headline.
  const shown = read(turns[steps % 3]).key;
  for (let i = steps + 1; i < steps + 9; i++) assert.equal(next(turns[i % 3]), shown);
});

test("the bars follow every prediction but keep the last speech through a pause the verdict holds", () => {
  const drawn = []; // what the bars were told after each prediction: angry's probability, or "clear"
  const bars = { set: (e) => drawn.push(e.probabilities[LABELS.indexOf("angry")]), clear: () => drawn.push("clear") };
  const verdict = createVerdict(LABELS, UNSURE_BELOW, bars);
  let time = 0;
  const hear = (weights) => verdict.heard({ time: (time += 0.5), emotion: weights && emotion(weights) })?.kind ?? null;
  const steps = HOLD_SECONDS / 0.5;

  for (let i = 0; i < steps; i++) assert.equal(hear({ angry: 0.8 }), null);
  assert.equal(hear({ angry: 0.8 }), "speech");
  assert.deepEqual(drawn.splice(0), Array(steps + 1).fill(0.8));
  // A pause: the verdict holds angry, and so do the bars, until "no speech" has led for the hold time.
  for (let i = 0; i < steps; i++) assert.equal(hear(null), "speech");
  assert.deepEqual(drawn.splice(0), []);
  assert.equal(verdict.latest.probabilities[LABELS.indexOf("angry")], 0.8, "the newest emotion heard");
  assert.equal(hear(null), "no-speech");
  assert.deepEqual(drawn.splice(0), ["clear"]);
  verdict.reset();
  assert.equal(verdict.latest, null);
  assert.equal(hear({ sad: 0.7 }), null);
});

/**
 * A controller over stand-ins for the microphone, bars, live region and view: `starts` holds what
 * each start() of the microphone does (a value or a promise), and `seen` what reached the view
 * ("show", "heard", "changed", "failed", with their argument), the bars, the microphone and the
 * live region ("said").
 */
function controlled(...starts) {
  const seen = [];
  const record = (what) => (value) => seen.push([what, value]);
  const region = {};
  Object.defineProperty(region, "textContent", { set: record("said") });
  const controller = createController({
    labels: LABELS,
    unsureBelow: UNSURE_BELOW,
    microphone: { start: () => starts.shift(), stop: record("stop") },
    bars: { set: record("bars"), clear: record("clear") },
    region,
    view: {
      show: record("show"),
      heard: (_, reading) => seen.push(["heard", reading]),
      changed: record("changed"),
      failed: record("failed"),
    },
  });
  let time = 0;
  /** One prediction 0.5 s after the last (`weights` as for `emotion`; null: no speech). */
  const hear = (weights) => controller.heard({ time: (time += 0.5), emotion: weights && emotion(weights) });
  /** What happened since the last call, as [what, value] pairs. */
  const since = () => seen.splice(0);
  return { controller, hear, since };
}

/** The views' words for a display: [state, headline, word, detail, reading key, message]. */
const words = ({ state, headline, word, detail, reading, message }) => [state, headline, word, detail, reading?.key ?? null, message];

test("every live view: the same words for each state, the verdict once held, announced once per change", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] }); // the announcer's quiet interval, fast-forwarded
  const { controller, hear, since } = controlled(undefined, undefined);
  const shown = (events) => events.filter(([what]) => what === "show").map(([, display]) => words(display));
  assert.deepEqual(shown(since()), [["idle", "Press Start and speak.", "Not listening", "", null, ""]]);

  assert.equal(await controller.start(), true);
  assert.equal(await controller.start(), false, "a second Start while listening");
  assert.deepEqual(shown(since()), [
    ["starting", "Starting the microphone…", "Starting", "", null, ""],
    ["listening", "Listening…", "Listening", "", null, ""],
  ]);

  // Until a verdict has led for the hold time, the bars move and the words stay "Listening…".
  const steps = HOLD_SECONDS / 0.5;
  for (let i = 0; i < steps; i++) hear({ angry: 0.8 });
  assert.deepEqual(
    since().map(([what, value]) => [what, what === "bars" ? value.label : value]),
    Array(steps).fill([["bars", "angry"], ["heard", null]]).flat(),
  );
  hear({ angry: 0.8 });
  const angry = ["listening", "The voice sounds angry", "Angry", "80 % sure", "angry", ""];
  const held = since();
  assert.deepEqual(shown(held), [angry]);
  const [, { reading: verdict, affect }] = held.find(([what]) => what === "show");
  assert.deepEqual([affect.arousal, affect.valence], [0.8, 1 - 0.8], "energy and pleasantness of the newest emotion");
  const told = held.filter(([what]) => what === "said" || what === "changed");
  assert.deepEqual(told, [["said", "The voice sounds angry"], ["changed", verdict]]);

  // Held: drawn with every prediction, announced once. A pause keeps the verdict and the bars.
  for (let i = 0; i < 4; i++) hear({ angry: 0.8 });
  for (let i = 0; i < steps; i++) hear(null);
  const kept = since();
  assert.deepEqual(shown(kept), Array(4 + steps).fill(angry));
  assert.deepEqual(kept.filter(([what]) => !["show", "heard", "bars"].includes(what)), []);
  hear(null);
  const silence = since();
  assert.deepEqual(shown(silence), [["listening", "Listening — no speech", "No speech", "", "no-speech", ""]]);
  assert.equal(silence.find(([what]) => what === "show")[1].affect, null, "no scales without speech");
  assert.ok(silence.some(([what]) => what === "clear"));
  assert.ok(!silence.some(([what]) => what === "said"), "spoken within 3 s of the last announcement");
  t.mock.timers.tick(3000);
  assert.deepEqual(since(), [["said", "No speech"]]);

  controller.stop();
  assert.deepEqual(shown(since()), [["idle", "Stopped. Press Start to listen again.", "Stopped", "", null, ""]]);
  t.mock.timers.tick(3000);
  assert.deepEqual(since(), [["said", "Stopped"]]);

  // Start again: the hold starts afresh and the same verdict is announced again.
  await controller.start();
  for (let i = 0; i <= steps; i++) hear({ angry: 0.8 });
  t.mock.timers.tick(3000);
  assert.deepEqual(since().filter(([what]) => what === "said"), [["said", "The voice sounds angry"]]);
});

test("every live view: a microphone that does not start says why, and Start works again; Stop while starting wins", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const denied = Object.assign(new Error("Permission denied"), { name: "NotAllowedError" });
  let open;
  const { controller, since } = controlled(Promise.reject(denied), undefined, new Promise((done) => (open = done)));
  since();
  assert.equal(await controller.start(), false);
  const failed = since();
  assert.deepEqual(words(failed.at(-2)[1]), ["error", "Not listening", "Not listening", "", null, microphoneMessage(denied)]);
  assert.deepEqual(failed.at(-1), ["failed", denied]);
  assert.equal(await controller.start(), true);
  controller.stop();
  since();

  const starting = controller.start();
  controller.stop();
  open();
  assert.equal(await starting, false);
  const events = since();
  assert.deepEqual(events.filter(([what]) => what === "show").map(([, display]) => display.state), ["starting", "idle"], "never listening");
  assert.equal(events.filter(([what]) => what === "stop").length, 1);
});

test("the history's sentence says what the voice mostly sounded like, and for how long", () => {
  const runs = (...parts) => {
    let start = 0;
    return parts.map(([weights, seconds]) => ({ start, end: (start += seconds), reading: read(weights) }));
  };
  const calm = { calm: 0.8 };
  const angry = { angry: 0.8 };
  assert.equal(summarize(runs([calm, 40], [angry, 4], [null, 6]), 50), "Mostly calm; angry for 4 s");
  assert.equal(summarize(runs([null, 3], [angry, 12]), 15), "Angry for 12 s");
  assert.equal(summarize(runs([calm, 5], [{ sad: 0.8 }, 4], [angry, 3]), 12), "Calm for 5 s, sad for 4 s, angry for 3 s");
  assert.equal(summarize(runs([{ calm: 0.35, sad: 0.3 }, 10], [angry, 4]), 14), "Mostly not sure; angry for 4 s");
  assert.equal(summarize(runs([null, 20]), 20), "No speech yet");
  assert.equal(summarize(runs([null, 20], [angry, 0.3], [null, 2]), 22.3), "Angry for under 1 s");
  assert.equal(summarize(runs([null, 60]), 75), "No speech in the last minute");
  assert.equal(summarize([], 0), "No speech yet");
});

test("the file timeline reads by the threshold and has no stretch shorter than a hop", () => {
  const timeline = (...parts) =>
    parts.map(([weights, start, end]) => ({ start, end, emotion: weights && emotion(weights) }));
  const shown = (t) => readableTimeline(t, MODEL).map((s) => [s.reading.key, s.start, s.end]);

  // The case: a first fifth of a second of "fearful" after a short silence.
  assert.deepEqual(
    shown(timeline([null, 0, 0.4], [{ fearful: 0.9 }, 0.4, 0.6], [{ angry: 0.8 }, 0.6, 3], [{ calm: 0.3, sad: 0.25 }, 3, 4], [null, 4, 6])),
    [
      ["no-speech", 0, 0.6],
      ["angry", 0.6, 3],
      ["unsure:calm,sad", 3, 4],
      ["no-speech", 4, 6],
    ],
  );
  // A short stretch joins the longer neighbour, whose calibrated numbers the joined stretch shows.
  const joined = readableTimeline(timeline([{ angry: 0.8 }, 0, 2], [{ fearful: 0.9 }, 2, 2.3], [{ sad: 0.8 }, 2.3, 3]), MODEL);
  assert.deepEqual(
    joined.map((s) => [s.reading.key, s.start, s.end]),
    [
      ["angry", 0, 2.3],
      ["sad", 2.3, 3],
    ],
  );
  assert.deepEqual(joined[0].emotion, emotion({ angry: 0.8 }));
  // Two labels under the threshold with the same two leading read the same: one stretch.
  assert.deepEqual(shown(timeline([{ calm: 0.35, sad: 0.3 }, 0, 1], [{ sad: 0.36, calm: 0.3 }, 1, 2])), [["unsure:calm,sad", 0, 2]]);
  // Short stretches in a row end up in one that is long enough; a clip shorter than a hop stays.
  const flicker = timeline(...Array.from({ length: 6 }, (_, i) => [i % 2 ? { fearful: 0.6 } : { angry: 0.6 }, i * 0.2, (i + 1) * 0.2]));
  assert.ok(shown(flicker).every(([, start, end]) => end - start >= HOP_SECONDS));
  assert.deepEqual(shown(timeline([{ angry: 0.8 }, 0, 0.3])), [["angry", 0, 0.3]]);
});
