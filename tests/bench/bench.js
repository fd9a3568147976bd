// The in-browser benchmarks: this project's front end and tract models beside Meyda and
// onnxruntime-web, on the same audio and the same ONNX files, in one page. The driver
// (run.mjs) calls `window.bench(options)` and prints what it returns.

import * as ort from "/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs";

/** Median, min and max milliseconds of `runs` calls of `fn` after `warmup` calls. */
async function time(fn, { runs, warmup }) {
  for (let i = 0; i < warmup; i++) await fn();
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(runs / 2)], min: ms[0], max: ms[runs - 1], runs };
}

const bytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
const samples = async (url) => new Float32Array((await bytes(url)).buffer);

/**
 * One whole window: tract (through `Model.logits`: the trunk over the window, then the head) and, unless
 * `tractOnly`, onnxruntime-web on the same function as one ONNX file (the metadata's `stream.whole`).
 */
async function inference(Model, name, mel, options, tractOnly) {
  const metadataText = await (await fetch(`/models/${name}.json`)).text();
  const metadata = JSON.parse(metadataText);
  const { trunk, head, whole } = metadata.stream;
  const [trunkBytes, headBytes, onnx] = await Promise.all([trunk, head, whole].map((file) => bytes(`/models/${file}`)));
  const tract = Model.fromBytes(metadataText, trunkBytes, headBytes);
  const tractLogits = tract.logits(mel);
  if (tractOnly) {
    const result = { tract: await time(() => tract.logits(mel), options) };
    tract.free();
    return result;
  }

  const session = await ort.InferenceSession.create(onnx, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
  const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", tract.input(mel), metadata.input.shape) };
  const ortLogits = (await session.run(feeds))[session.outputNames[0]].data;
  const agreement = Math.max(...tractLogits.map((l, i) => Math.abs(l - ortLogits[i])));

  const result = {
    tract: await time(() => tract.logits(mel), options),
    ort: await time(() => session.run(feeds), options),
    maxLogitDifference: agreement,
  };
  tract.free();
  await session.release();
  return result;
}

/** Meyda's mel bands for every frame of the window that the project's front end computes. */
function meydaMelBands(speech, frontend) {
  const { n_fft, hop_length, n_mels } = frontend;
  Meyda.bufferSize = n_fft;
  Meyda.sampleRate = 16000;
  Meyda.melBands = n_mels;
  Meyda.windowingFunction = "hanning";
  const bands = [];
  for (let start = 0; start + n_fft <= speech.length; start += hop_length) {
    bands.push(Meyda.extract("melBands", speech.subarray(start, start + n_fft)));
  }
  return bands;
}

/** Analyses a whole recording in the page's way: an Analyzer fed one-second chunks. */
function analyzeRecording(model, recording, rate) {
  const analyzer = model.analyzer(rate);
  for (let at = 0; at < recording.length; at += rate) analyzer.push(recording.subarray(at, at + rate));
  return analyzer.finish();
}

/**
 * Milliseconds of each `Recognizer.push` of half a second of `recording` that completed a scored hop
 * (resampling, front end, gate, model and smoothing, as the live view runs them), over `rounds` passes.
 */
function liveHops(model, recording, rate, rounds) {
  const recognizer = model.recognizer(rate);
  const chunk = rate / 2;
  const ms = [];
  for (let round = 0; round < rounds; round++) {
    recognizer.reset();
    for (let start = 0; start + chunk <= recording.length && start < 60 * rate; start += chunk) {
      const t0 = performance.now();
      const prediction = recognizer.push(recording.subarray(start, start + chunk));
      const elapsed = performance.now() - t0;
      if (prediction?.emotion) ms.push(elapsed);
    }
  }
  recognizer.free();
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)], min: ms[0], max: ms.at(-1), runs: ms.length };
}

/**
 * Every figure for the wasm package at `pkg`; with `tractOnly`, just this project's front end and
 * tract (for comparing builds of the same code).
 */
window.bench = async ({ pkg, tractOnly, runs, warmup, recordingRuns, recordingRate }) => {
  const { default: init, Model } = await import(`${pkg}voice_emotion.js`);
  await init();
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = "/node_modules/onnxruntime-web/dist/";
  const options = { runs, warmup };
  const metadata = await (await fetch("/models/emotion.json")).json();

  // One model window of 16 kHz speech: exactly `frames` frames.
  const { frames, hop_frames } = metadata.window;
  const { n_fft, hop_length } = metadata.frontend;
  const clip = await samples("/artifacts/bench/window.f32");
  const speech = clip.subarray(0, (frames - 1) * hop_length + n_fft);
  const model = new Model();
  const mel = model.melSpectrogram(speech);
  if (mel.length !== frames * model.melBands) throw new Error(`front end gave ${mel.length} values`);
  const frontEnd = await time(() => model.melSpectrogram(speech), options);
  // A ten-minute recording at a device rate: the live hops, and (below) the page's chunked analysis.
  const recording = await samples("/artifacts/bench/recording.f32");
  if (tractOnly) {
    const results = {
      frontEnd,
      int8: await inference(Model, "emotion", mel, options, true),
      float: await inference(Model, "emotion-float", mel, options, true),
      liveHop: liveHops(model, recording, recordingRate, 5),
    };
    model.free();
    return results;
  }
  const meydaFrames = meydaMelBands(speech, metadata.frontend).length;

  const results = {
    userAgent: navigator.userAgent,
    crossOriginIsolated,
    ortVersion: ort.env.versions.web,
    window: { seconds: speech.length / 16000, frames, bands: model.melBands, meydaFrames },
    frontEnd,
    meyda: await time(() => meydaMelBands(speech, metadata.frontend), options),
    int8: await inference(Model, "emotion", mel, options),
    float: await inference(Model, "emotion-float", mel, options),
  };

  results.liveHop = liveHops(model, recording, recordingRate, 5);
  const analysis = analyzeRecording(model, recording, recordingRate);
  results.recording = {
    seconds: recording.length / recordingRate,
    rate: recordingRate,
    hopSeconds: (hop_frames * hop_length) / 16000,
    speechSeconds: analysis.speech_seconds,
    analyze: await time(() => analyzeRecording(model, recording, recordingRate), { runs: recordingRuns, warmup: 0 }),
  };
  model.free();
  return results;
};
window.benchReady = true;
