// `npm run bench`: the benchmark page (tests/bench/) in headless Chromium beside its references,
// then the app itself with a fake microphone. Prints Markdown tables (the ones in BENCHMARKS.md)
// and writes every figure to artifacts/bench/results.json. Figures are printed, never asserted.
//   node tests/bench/run.mjs --variants NAME...   compares builds made by tests/bench/variants.sh

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { ANGRY_CLIP, DATA, ROOT, angryWav, launch, openPage, scratch, serve } from "../e2e/helpers.mjs";

const RUNS = Number(process.env.VE_BENCH_RUNS ?? 300);
const WARMUP = 30;
const RECORDING_SECONDS = 600;
const RECORDING_RATE = 48000;
const RECORDING_RUNS = 3;
const FIRST_PREDICTION_LAUNCHES = 5;

/** Served with the repository, so the page fetches its audio from /artifacts/bench/. */
const out = join(ROOT, "artifacts", "bench");
mkdirSync(out, { recursive: true });

/** Test audio, raw little-endian float32 mono: one window of speech, and a ten-minute recording of
 * RAVDESS sentences from all twenty actors with a second of silence after each. */
function makeAudio() {
  const f32 = ["-t", "raw", "-e", "floating-point", "-b", "32"];
  execFileSync("sox", [join(DATA, ANGRY_CLIP), ...f32, join(out, "window.f32")]);
  const silence = join(out, "silence.flac");
  execFileSync("sox", ["-n", "-r", "16000", "-c", "1", silence, "trim", "0", "1"]);
  const clips = [];
  for (let actor = 1; actor <= 20; actor++) {
    const dir = join(DATA, "ravdess", `Actor_${String(actor).padStart(2, "0")}`);
    clips.push(...readdirSync(dir).sort().filter((_, i) => i % 7 === 0).map((f) => join(dir, f)));
  }
  const inputs = clips.flatMap((clip) => [clip, silence]);
  const recording = join(out, "recording.f32");
  execFileSync("sox", [...inputs, ...f32, recording, "rate", String(RECORDING_RATE), "trim", "0", String(RECORDING_SECONDS)]);
}

const ms = (t) => t.toFixed(t < 10 ? 3 : 1);
const row = (name, t) => `| ${name} | ${ms(t.median)} | ${ms(t.min)} | ${ms(t.max)} | ${t.runs} |`;
const kb = (n) => (n / 1024).toFixed(n < 10240 ? 1 : 0);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function benchPage(server, { pkg = "/www/pkg/", tractOnly = false } = {}) {
  const context = await launch();
  try {
    const { page, errors } = await openPageAt(context, `${server.url}tests/bench/`);
    const results = await page.evaluate((options) => window.bench(options), {
      pkg,
      tractOnly,
      runs: RUNS,
      warmup: WARMUP,
      recordingRuns: RECORDING_RUNS,
      recordingRate: RECORDING_RATE,
    });
    if (errors.length) throw errors[0];
    return results;
  } finally {
    await context.close();
  }
}

async function openPageAt(context, url) {
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on("pageerror", (error) => errors.push(error));
  page.on("console", (message) => message.type() === "error" && console.error("page:", message.text()));
  await page.goto(url);
  await page.waitForFunction(() => window.benchReady === true);
  return { page, errors };
}

/** The app with a fake microphone: load to ready, Start to first prediction, and every byte loaded. */
async function appLaunch(server, wav) {
  const context = await launch({ microphone: "file", audio: wav });
  try {
    const responses = [];
    // The page's responses only: the service worker's own fetches (its install, and passing the
    // page's requests on) would count each file again.
    context.on("response", (response) => response.request().serviceWorker() || responses.push(response));
    const { page } = await openPage(context, server.url);
    const clicked = await page.evaluate(() => {
      const at = performance.now();
      document.getElementById("start").click();
      return at;
    });
    await page.waitForFunction(() => performance.getEntriesByName("voice-emotion:first-prediction").length > 0);
    const marks = await page.evaluate(() => ({
      ready: performance.getEntriesByName("voice-emotion:ready")[0].startTime,
      first: performance.getEntriesByName("voice-emotion:first-prediction")[0].startTime,
    }));
    const files = [];
    for (const response of responses) {
      const body = await response.body().catch(() => null);
      if (body) files.push({ path: new URL(response.url()).pathname, ...sizes(body) });
    }
    // The audio worklet's module is fetched where Playwright does not see it: counted from disk.
    if (!files.some((f) => f.path.endsWith("/capture-worklet.js"))) {
      files.push({ path: "/capture-worklet.js", ...sizes(readFileSync(join(ROOT, "www", "capture-worklet.js"))) });
    }
    return { ready: marks.ready, startToFirst: marks.first - clicked, readyToFirst: marks.ready + marks.first - clicked, files };
  } finally {
    await context.close();
  }
}

/** Bytes as stored and as a static host sends them: gzip -9 and brotli at its highest quality. */
function sizes(body) {
  const brotli = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
  return { raw: body.length, gzip: gzipSync(body, { level: 9 }).length, brotli: brotli.length };
}

/** The figures the streaming issue is judged by: the live hop against onnxruntime-web's one window of the
 * same model, the ten-minute recording's real-time factor, and what the page transfers (KiB). */
function aims(bench, launches) {
  const total = (key) => launches[0].files.reduce((sum, f) => sum + f[key], 0) / 1024;
  return {
    ratios: {
      per_hop_vs_onnxruntime_web: bench.liveHop.median / bench.int8.ort.median,
      rtf_ten_minutes: bench.recording.analyze.median / 1000 / bench.recording.seconds,
    },
    transfer: { raw_kib: total("raw"), gzip_kib: total("gzip"), brotli_kib: total("brotli") },
    start_to_first_prediction_ms: median(launches.map((l) => l.startToFirst)),
  };
}

function report(bench, launches) {
  const lines = [];
  const say = (line = "") => lines.push(line);
  const { frontEnd, meyda, int8, float, window: w, recording } = bench;
  say(`Machine: ${cpus().length} x ${cpus()[0].model}; ${bench.userAgent}`);
  say(`onnxruntime-web ${bench.ortVersion} (wasm backend, 1 thread, SIMD build); cross-origin isolated: ${bench.crossOriginIsolated}`);
  say();
  say(`Per window (${w.seconds.toFixed(3)} s of 16 kHz speech, ${w.frames} frames x ${w.bands} mel bands), milliseconds after ${WARMUP} warm-up runs:`);
  say();
  say("| stage | median | min | max | runs |");
  say("|---|---|---|---|---|");
  say(row("front end: this project (`Model.melSpectrogram`)", frontEnd));
  say(row(`front end: Meyda \`melBands\`, ${w.meydaFrames} frames`, meyda));
  say(row("inference int8: tract (`Model.logits`)", int8.tract));
  say(row("inference int8: onnxruntime-web", int8.ort));
  say(row("inference float: tract", float.tract));
  say(row("inference float: onnxruntime-web", float.ort));
  say();
  say("| ratio (medians) | value |");
  say("|---|---|");
  say(`| Meyda / this front end | ${(meyda.median / frontEnd.median).toFixed(2)} |`);
  say(`| tract / onnxruntime-web, int8 | ${(int8.tract.median / int8.ort.median).toFixed(2)} |`);
  say(`| tract / onnxruntime-web, float | ${(float.tract.median / float.ort.median).toFixed(2)} |`);
  say(`| tract int8 / tract float | ${(int8.tract.median / float.tract.median).toFixed(2)} |`);
  say(`| front end + tract int8 per window (ms) | ${ms(frontEnd.median + int8.tract.median)} |`);
  say();
  say(`Live, as the page runs it: \`Recognizer.push\` of 0.5 s of the ${bench.recording.rate} Hz recording (resampling, front end, gate, model, smoothing), the pushes that completed a scored hop:`);
  say();
  say("| stage | median | min | max | runs |");
  say("|---|---|---|---|---|");
  say(row("one live hop", bench.liveHop));
  say();
  const { ratios, transfer, start_to_first_prediction_ms } = aims(bench, launches);
  say("| aim | measured | met? |");
  say("|---|---|---|");
  say(`| live hop / onnxruntime-web's one window (int8) at most 1.0 | ${ratios.per_hop_vs_onnxruntime_web.toFixed(2)} | ${ratios.per_hop_vs_onnxruntime_web <= 1 ? "yes" : "no"} |`);
  say(`| ten-minute recording, real-time factor at most 0.005 | ${ratios.rtf_ten_minutes.toFixed(4)} | ${ratios.rtf_ten_minutes <= 0.005 ? "yes" : "no"} |`);
  say(`| Start to first prediction under 1 s | ${ms(start_to_first_prediction_ms)} ms | ${start_to_first_prediction_ms < 1000 ? "yes" : "no"} |`);
  say(`| everything the page loads at most 1536 KiB gzipped | ${transfer.gzip_kib.toFixed(0)} KiB gzip, ${transfer.brotli_kib.toFixed(0)} KiB brotli | ${transfer.gzip_kib <= 1536 ? "yes" : "no"} |`);
  say();
  say(`Largest logit difference tract vs onnxruntime-web: int8 ${int8.maxLogitDifference.toFixed(4)}, float ${float.maxLogitDifference.toFixed(6)}.`);
  say();
  const a = recording.analyze;
  say(`A ${recording.seconds} s recording at ${recording.rate} Hz (${recording.speechSeconds.toFixed(0)} s of speech), analysed in 1 s chunks (resampling, front end, gate, model every ${recording.hopSeconds} s), ${a.runs} runs:`);
  say();
  say("| figure | median | min | max |");
  say("|---|---|---|---|");
  say(`| processing time (s) | ${(a.median / 1000).toFixed(2)} | ${(a.min / 1000).toFixed(2)} | ${(a.max / 1000).toFixed(2)} |`);
  say(`| real-time factor | ${(a.median / 1000 / recording.seconds).toFixed(4)} | ${(a.min / 1000 / recording.seconds).toFixed(4)} | ${(a.max / 1000 / recording.seconds).toFixed(4)} |`);
  say();
  const pick = (key) => launches.map((l) => l[key]);
  const span = (values) => `${ms(median(values))} | ${ms(Math.min(...values))} | ${ms(Math.max(...values))}`;
  say(`The app with a fake microphone, ${launches.length} launches (milliseconds; Start clicked by the script as soon as the page is ready):`);
  say();
  say("| interval | median | min | max |");
  say("|---|---|---|---|");
  say(`| navigation to ready | ${span(pick("ready"))} |`);
  say(`| Start to first prediction | ${span(pick("startToFirst"))} |`);
  say(`| navigation to first prediction | ${span(pick("readyToFirst"))} |`);
  say();
  const files = launches[0].files;
  const total = (key) => files.reduce((sum, f) => sum + f[key], 0);
  say("What the page loads (KiB; gzip -9 and brotli -q 11 as a compressing server would send it; the model is inside the wasm):");
  say();
  say("| file | raw | gzip | brotli |");
  say("|---|---|---|---|");
  for (const f of [...files].sort((x, y) => y.raw - x.raw)) say(`| ${f.path} | ${kb(f.raw)} | ${kb(f.gzip)} | ${kb(f.brotli)} |`);
  say(`| **total** | ${kb(total("raw"))} | ${kb(total("gzip"))} | ${kb(total("brotli"))} |`);
  return lines.join("\n");
}

/** Front end and tract per window, and wasm size, for each build in artifacts/bench/pkg-NAME
 * (made by variants.sh; "shipped" is www/pkg). */
async function compareVariants(server, names) {
  console.log(`${RUNS} runs after ${WARMUP} warm-up runs; medians, milliseconds per window.`);
  console.log("| build | wasm KiB raw | gzip | front end ms | int8 ms (min-max) | float ms (min-max) | live hop ms (min-max) |");
  console.log("|---|---|---|---|---|---|---|");
  for (const name of names) {
    const pkg = name === "shipped" ? "www/pkg" : `artifacts/bench/pkg-${name}`;
    const wasm = readFileSync(join(ROOT, pkg, "voice_emotion_bg.wasm"));
    const r = await benchPage(server, { pkg: `/${pkg}/`, tractOnly: true });
    const span = (t) => `${ms(t.median)} (${ms(t.min)}-${ms(t.max)})`;
    console.log(`| ${name} | ${kb(wasm.length)} | ${kb(gzipSync(wasm, { level: 9 }).length)} | ${span(r.frontEnd)} | ${span(r.int8.tract)} | ${span(r.float.tract)} | ${span(r.liveHop)} |`);
  }
}

const { values, positionals } = parseArgs({ options: { variants: { type: "boolean" } }, allowPositionals: true });
makeAudio();
const server = await serve(ROOT, { headers: { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" } });
const app = await serve();
try {
  if (values.variants) await compareVariants(server, positionals);
  else await benchAll(server, app);
} finally {
  server.close();
  app.close();
}

async function benchAll(server, app) {
  const bench = await benchPage(server);
  const wav = angryWav(scratch(), 4);
  const launches = [];
  for (let i = 0; i < FIRST_PREDICTION_LAUNCHES; i++) launches.push(await appLaunch(app, wav));
  const results = { date: new Date().toISOString(), ...aims(bench, launches), bench, launches };
  writeFileSync(join(out, "results.json"), JSON.stringify(results, null, 2));
  console.log(report(bench, launches));
}
