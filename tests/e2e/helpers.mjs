// Shared set-up for the end-to-end tests: the page served from www/ on localhost, headless
// Chromium (optionally with a fake microphone playing a file), test audio made with sox from the
// real corpora, the CLI's answer for the same file, a record of every request the page (and its
// service worker) makes, what the page stores, and screenshots and accessibility scans of each state.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir, tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runInNewContext } from "node:vm";
import { AxeBuilder } from "@axe-core/playwright";
import { chromium } from "playwright-core";
import { attemptAnswer } from "../../www/emotions.js";

// http-server's dependencies use a deprecated Node API; the warning is noise in test logs.
process.noDeprecation = true;
const require = createRequire(import.meta.url);
const httpServer = require("http-server");

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const ARTIFACTS = resolve(process.env.VE_ARTIFACTS ?? join(ROOT, "artifacts"));
mkdirSync(ARTIFACTS, { recursive: true });
export const DATA = resolve(process.env.VE_DATA ?? join(ROOT, "../shared/data"));

/** The training environment's Python (scripts/env.sh), for audio tools the tests borrow from it. */
export const PYTHON = join(process.env.VE_VENV ?? join(homedir(), ".cache/voice-emotion/venv"), "bin/python");
/** A clearly angry RAVDESS utterance (actor 05, strong intensity), as in the native tests. */
export const ANGRY_CLIP = "ravdess/Actor_05/03-01-05-02-02-02-05.flac";

const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Serves `root` (default www/) on 127.0.0.1 at a free port; resolves to { url, close }. `close`
 * also drops the connections the browser keeps open, so nothing is served after it; closing
 * twice is harmless. `headers` go on every response; `files` maps a path ("/probe.js") to
 * `{ type, body }` served beside root's: a test's own same-origin file, real on the wire
 * (Playwright's routing may miss the requests of a page its service worker controls).
 */
export async function serve(root = join(ROOT, "www"), { headers = {}, files = {} } = {}) {
  const serveExtra = (request, response) => {
    const file = files[new URL(request.url, "http://host").pathname];
    if (!file) return response.emit("next");
    response.writeHead(200, { "Content-Type": file.type, "Cache-Control": "no-store" });
    response.end(file.body);
  };
  const server = httpServer.createServer({ root, cache: -1, showDir: "false", headers, before: [serveExtra] });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => {
      if (!server.server.listening) return;
      server.close();
      server.server.closeAllConnections();
    },
  };
}

/**
 * Headless Chromium with a fresh profile.
 *   microphone: "file" (needs `audio`), "deny" (the user refuses), or "none" (no device at all).
 */
export async function launch({ microphone = "none", audio } = {}) {
  const args = [...CHROMIUM_FLAGS];
  if (microphone === "file") {
    args.push(
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${audio}`,
      "--autoplay-policy=no-user-gesture-required",
    );
  } else if (microphone === "deny") {
    args.push("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream=deny");
  } else {
    args.push("--use-fake-ui-for-media-stream");
  }
  const userDataDir = temporaryFolder("ve-chromium-");
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args,
    viewport: { width: 900, height: 1100 },
  });
}

/**
 * A page of `context` whose every request (its service worker's too) is recorded, opened at `url`
 * and ready to use, its files cached for offline use.
 */
export async function openPage(context, url) {
  const page = context.pages()[0] ?? (await context.newPage());
  const requests = [];
  context.on("request", (request) => requests.push(request.url()));
  const errors = [];
  page.on("pageerror", (error) => errors.push(error));
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName("voice-emotion:ready").length > 0);
  // Installed, so that what is stored is the same whenever a test looks.
  const installed = await page.evaluate(() =>
    Promise.race([navigator.serviceWorker.ready.then(() => true), new Promise((done) => setTimeout(() => done(false), 30000))]),
  );
  assert.ok(installed, "the service worker did not install within 30 s");
  return { page, requests, errors };
}

/**
 * The app served from www/ (with `serve`'s extra `files`) and open at `query` ("?model=...") in a
 * fresh Chromium (other `options` as for `launch`): `{ page, requests, errors, context, close }`.
 */
export async function openApp({ files, query = "", ...options } = {}) {
  const server = await serve(undefined, { files });
  const context = await launch(options);
  const session = await openPage(context, server.url + query);
  return {
    ...session,
    context,
    close: async () => {
      await context.close();
      server.close();
    },
  };
}

/** URLs that went anywhere but this machine (blob: and data: URLs never leave the page). */
export function foreignRequests(requests) {
  return requests.filter((url) => {
    const { protocol, hostname } = new URL(url);
    if (protocol === "blob:" || protocol === "data:") return false;
    return !["127.0.0.1", "localhost", "[::1]"].includes(hostname);
  });
}

/** What the page holds in every storage it could keep audio or features in (caches: their paths; run in the page). */
export const readStoredItems = async () => {
  const cached = {};
  for (const name of await caches.keys()) {
    const requests = await (await caches.open(name)).keys();
    cached[name] = requests.map((request) => new URL(request.url).pathname).sort();
  }
  return {
    localStorage: localStorage.length,
    sessionStorage: sessionStorage.length,
    indexedDB: (await indexedDB.databases()).length,
    caches: cached,
  };
};
export const storedItems = (page) => page.evaluate(readStoredItems);

/** The files and version the build listed for the service worker (scripts/app-files.mjs) in `www`. */
export function appFiles(www = join(ROOT, "www")) {
  const self = {};
  runInNewContext(readFileSync(join(www, "pkg/app-files.js"), "utf8"), { self });
  return { version: self.APP_VERSION, files: [...self.APP_FILES] };
}

/** What storedItems must find: the app's own files in one cache named by their version, nothing else. */
export function onlyAppFiles(www) {
  const { version, files } = appFiles(www);
  const caches = { [`voice-emotion-${version}`]: files.map((file) => `/${file}`).sort() };
  return { localStorage: 0, sessionStorage: 0, indexedDB: 0, caches };
}

/** Saves a full-page screenshot once the bars' transitions have finished, so they show the numbers. */
export async function screenshot(page, name) {
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== "running"), null, {
    timeout: 2000,
  }).catch(() => {}); // a live view may start a new transition every 0.5 s; take the picture anyway
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** A phone's screen, for the second screenshot of every state. */
const PHONE = { width: 390, height: 844 };

/**
 * Records a state of the page, named `name`: a screenshot at the current width and one at phone
 * width, and an axe-core scan, which must find no violation.
 */
export async function captureState(page, name) {
  await screenshot(page, name);
  assert.deepEqual(await accessibilityViolations(page), [], `axe-core in state ${name}`);
  const desktop = page.viewportSize();
  await page.setViewportSize(PHONE);
  await screenshot(page, `${name}-phone`);
  await page.setViewportSize(desktop);
}

/** What axe-core finds wrong in the page as it is now, one "rule: element" per finding. */
export async function accessibilityViolations(page) {
  // Legacy mode runs axe in the page itself: it has no frames, and no extra tab is opened.
  const { violations } = await new AxeBuilder({ page }).setLegacyMode().analyze();
  return violations.flatMap((v) => v.nodes.map((node) => `${v.id}: ${node.target.join(" ")} (${v.help})`));
}

/** The WCAG contrast ratio of two computed CSS colours ("rgb(r, g, b)"). */
export function contrastRatio(first, second) {
  const luminance = (css) => {
    const [r, g, b] = css.match(/[\d.]+/g).slice(0, 3).map((c) => {
      const v = Number(c) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(first), luminance(second)].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}

// The folders temporaryFolder made, removed by one exit listener (one per folder would pass Node's
// limit of 10 listeners in a file that launches many browsers).
const temporaryFolders = new Set();
process.on("exit", () => temporaryFolders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A new folder under the system's temporary one, removed with its contents when this process exits. */
export function temporaryFolder(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporaryFolders.add(dir);
  return dir;
}

/** A temporary folder for this test file's audio. */
export const scratch = () => temporaryFolder("ve-e2e-");

/**
 * The angry clip as a 16-bit WAV at 44.1 kHz (a common device rate, so both the page and the CLI
 * resample), followed by `silenceSeconds` of silence.
 */
export function angryWav(dir, silenceSeconds, clip = ANGRY_CLIP) {
  const wav = join(dir, "angry.wav");
  // -D: no dither, so every run tests the same bytes (sox dithers 16-bit output with random noise:
  // the likely cause of the one run whose page timeline had a "not sure" stretch fewer than the CLI's).
  execFileSync("sox", ["-D", join(DATA, clip), "-b", "16", wav, "rate", "44100", "pad", "0", String(silenceSeconds)]);
  return wav;
}

/** Actor 05's two neutral statements (as `NEUTRAL_CLIPS` in tests/common): an everyday voice. */
export const NEUTRAL_CLIPS = ["ravdess/Actor_05/03-01-01-01-01-01-05.flac", "ravdess/Actor_05/03-01-01-01-02-01-05.flac"];

/** The two neutral statements one after the other as a 16-bit WAV at 44.1 kHz: a reference voice. */
export function neutralWav(dir) {
  const wav = join(dir, "neutral.wav");
  execFileSync("sox", ["-D", ...NEUTRAL_CLIPS.map((clip) => join(DATA, clip)), "-b", "16", wav, "rate", "44100"]);
  return wav;
}

/** `wav` as Opus in Ogg (voice notes): a format the core does not read, so the page's browser decodes it. */
export function opusCopy(wav, opus) {
  execFileSync(PYTHON, ["-c", `
import soundfile
audio, rate = soundfile.read(${JSON.stringify(wav)})
soundfile.write(${JSON.stringify(opus)}, audio, rate, format="OGG", subtype="OPUS")`]);
  return opus;
}

/**
 * The shipped model as one made before references were (its metadata without `reference`), written
 * to `dir` as plain-model.json beside copies of its graphs: `{ path, files }`, `files` for `serve`
 * (the same three files at the site's root).
 */
export function plainModel(dir) {
  const metadata = JSON.parse(readFileSync(join(ROOT, "models/emotion.json"), "utf8"));
  delete metadata.reference;
  const bodies = {
    "plain-model.json": { type: "application/json", body: JSON.stringify(metadata) },
    ...Object.fromEntries(
      [metadata.stream.trunk, metadata.stream.head].map((name) => [
        name,
        { type: "application/octet-stream", body: readFileSync(join(ROOT, "models", name)) },
      ]),
    ),
  };
  for (const [name, { body }] of Object.entries(bodies)) writeFileSync(join(dir, name), body);
  return {
    path: join(dir, "plain-model.json"),
    files: Object.fromEntries(Object.entries(bodies).map(([name, file]) => [`/${name}`, file])),
  };
}

/** The samples (first channel) and rate of a 16-bit PCM WAV. */
export function wavSamples(path) {
  const bytes = readFileSync(path);
  const rate = bytes.readUInt32LE(24);
  const channels = bytes.readUInt16LE(22);
  const data = bytes.indexOf("data") + 8;
  const samples = [];
  for (let at = data; at + 2 * channels <= bytes.length; at += 2 * channels) samples.push(bytes.readInt16LE(at) / 32768);
  return { rate, samples };
}

/**
 * What the CLI writes for `file` (or several files of one folder) with `classify --format FORMAT
 * --timeline`, run in the file's folder; with `model` (a metadata path) and `reference` (a
 * recording), `--model` and `--reference`.
 */
export function cliOutput(file, format, { model, reference } = {}) {
  const files = [file].flat();
  const options = [...(model ? ["--model", model] : []), ...(reference ? ["--reference", reference] : [])];
  return execFileSync(
    "cargo",
    ["run", "--quiet", "--features", "cli", "--manifest-path", join(ROOT, "Cargo.toml"), "--bin", "voice-emotion", "--",
      ...options, "classify", "--format", format, "--timeline", ...files.map((f) => basename(f))],
    { cwd: dirname(files[0]), encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
}

/** What the CLI says about `file` (`classify --format jsonl --timeline`, `options` as for cliOutput), parsed. */
export const cli = (file, options) => JSON.parse(cliOutput(file, "jsonl", options));

/** An emotion of the CLI's (the Results schema) as the JS API has it: probabilities in label order. */
export const apiEmotion = ({ label, confidence, arousal, valence, probabilities }, labels) =>
  label && { label, confidence, arousal, valence, probabilities: labels.map((l) => probabilities[l]) };

/** The CLI's timeline as the JS API's analysis has it. */
export const apiTimeline = (timeline, labels) =>
  timeline.map((segment) => ({ start: segment.start, end: segment.end, emotion: apiEmotion(segment, labels) }));

/** The live view as a person sees it: state, verdict words and label, the eight bars (run in the page). */
export const readLiveView = () => ({
  time: performance.now(),
  state: document.getElementById("live").dataset.state,
  words: document.getElementById("dominant").textContent,
  label: document.getElementById("dominant").dataset.label ?? "",
  bars: [...document.querySelectorAll("#bars li")].map((li) => Number(li.dataset.probability)),
});
export const liveView = (page) => page.evaluate(readLiveView);

/**
 * What the live views (as `readLiveView` gives them, in order) heard: the views with speech, each
 * prediction among them once however long the page showed it (the bars keep the last speech
 * through a pause), and their mean probabilities with its label: the verdict over the speech.
 */
export function liveVerdict(views, labels) {
  const speech = views.filter((v) => v.state === "speech" || v.state === "unsure");
  const heard = speech.filter((v, i) => i === 0 || v.bars.join() !== speech[i - 1].bars.join());
  const mean = labels.map((_, i) => heard.reduce((sum, v) => sum + v.bars[i], 0) / heard.length);
  return { speech, heard, mean, label: labels[argmax(mean)] };
}

/** The practice view as a person sees it: state, answer, score, scales, attempts (run in the page). */
export const readPractice = () => ({
  state: document.getElementById("practice").dataset.state,
  verdict: document.getElementById("practice-verdict").textContent,
  reading: document.getElementById("practice-result").dataset.reading,
  score: document.getElementById("practice-score").value,
  scoreWords: document.getElementById("practice-score-words").textContent,
  affect: [...document.querySelectorAll("#practice-affect meter")].map((m) => m.value),
  announced: document.getElementById("practice-announcer").textContent,
  rows: [...document.querySelectorAll("#practice-attempts tr")].map((tr) => [...tr.cells].map((td) => td.textContent)),
  focused: document.activeElement.id,
});

/**
 * The CLI's analyses of `wav` after 0 to 0.499 s of silence, in 1 ms steps: a microphone starts
 * wherever the device starts, so its windows can fall anywhere on the speech, and the numbers move
 * with them. They move a lot: on the angry clip v16's score spans 0.678-0.942 at 1 ms steps (v15's
 * 0.818-0.949, but only 0.859-0.944 at the 20 ms steps this once used: a WebKit CI run fell outside).
 */
export function cliAlignments(wav) {
  const files = Array.from({ length: 500 }, (_, i) => {
    const lead = (i / 1000).toFixed(3);
    const file = join(dirname(wav), `lead-${lead}.wav`);
    execFileSync("sox", ["-D", wav, file, "pad", lead, "0"]);
    return file;
  });
  return cliOutput(files, "jsonl").trim().split("\n").map((line) => JSON.parse(line));
}

/**
 * Checks a practice answer (`readPractice`) aimed at "angry" against the CLI's analyses of the
 * same speech at every alignment (`cliAlignments`): words one of them gives, and the score, energy
 * and pleasantness within their range. Returns the figures, for the log.
 */
export function assertPracticeAnswer(shown, alignments, labels, unsureBelow) {
  const answers = alignments.map((a) => attemptAnswer(apiEmotion(a, labels), "angry", labels, unsureBelow));
  assert.ok(answers.some((a) => a.reading.key === shown.reading && a.verdict === shown.verdict), `${shown.reading}: ${shown.verdict}`);
  assert.ok(answers.some((a) => a.reading.name === shown.rows.at(-1)[2]), `${shown.rows.at(-1)}`);
  const range = (values) => [Math.min(...values), Math.max(...values)];
  const figures = [];
  for (const [name, value, of] of [
    ["angry", shown.score, (a) => a.probabilities.angry],
    ["arousal", shown.affect[0], (a) => a.arousal],
    ["valence", shown.affect[1], (a) => a.valence],
  ]) {
    const [low, high] = range(alignments.map(of));
    // 0.02: alignments between the 1 ms steps (quarter-millisecond steps reach up to 0.016 further
    // on the angry clip's valence), the browser's resampler and float rounding.
    assert.ok(value >= low - 0.02 && value <= high + 0.02, `${name} ${value}, the CLI ${low}-${high}`);
    figures.push(`${name} ${value.toFixed(3)} (CLI ${low.toFixed(3)}-${high.toFixed(3)})`);
  }
  return `${figures.join(", ")}: "${shown.verdict}"`;
}

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

export const argmax = (values) => values.indexOf(Math.max(...values));
