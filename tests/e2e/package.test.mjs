// The npm package (www/package.json): `npm pack` ships exactly the files it lists; installed into
// a scratch page that holds nothing else from this repository, its recognizer analyses a real
// speech file and <voice-emotion-meter> listens to a fake microphone, both giving the CLI's label;
// the element's model attribute loads another model, or says why it cannot.
// Also the element on the demo page (www/meter.html) with the microphone denied. Screenshots and
// accessibility scans of the element's states.

import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { adjective } from "../../www/emotions.js";
import {
  ROOT,
  angryWav,
  argmax,
  captureState,
  cli,
  foreignRequests,
  launch,
  plainModel,
  scratch,
  serve,
  sleep,
} from "./helpers.mjs";

const PROBABILITY_TOLERANCE = 0.02;
const manifest = JSON.parse(readFileSync(join(ROOT, "www/package.json"), "utf8"));
// Another model served by the page: its metadata and the two parts it names.
const MODEL_FILES = ["emotion.json", "emotion-trunk.onnx", "emotion-head.onnx"];

// The scratch page: the package from node_modules through an import map, as its README shows.
const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>A page that embeds the meter</title>
  <script type="importmap">
    { "imports": { "${manifest.name}": "./node_modules/${manifest.name}/pkg/voice_emotion.js",
                   "${manifest.name}/": "./node_modules/${manifest.name}/" } }
  </script>
  <script type="module">
    import "${manifest.name}/meter.js";
    import init, { Model } from "${manifest.name}";
    const meter = document.querySelector("voice-emotion-meter");
    window.heard = { predictions: [], verdicts: [] };
    meter.addEventListener("prediction", (e) => heard.predictions.push(e.detail));
    meter.addEventListener("verdict", (e) => heard.verdicts.push(e.detail));
    window.analyse = async (url) => {
      await init();
      const bytes = await (await fetch(url)).arrayBuffer();
      const model = new Model();
      const file = model.openFile(new Uint8Array(bytes));
      try {
        while (file.advance(10));
        return file.finish();
      } finally {
        file.free();
        model.free();
      }
    };
  </script>
</head>
<body><main><h1>A page that embeds the meter</h1><voice-emotion-meter></voice-emotion-meter></main></body>
</html>
`;

let dir, wav, expected, packed, site, server, context;

before(async () => {
  dir = scratch();
  wav = angryWav(dir, 4);
  expected = cli(wav);
  const npm = (args, cwd) => execFileSync("npm", [...args, "--loglevel=error"], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const [tarball] = JSON.parse(npm(["pack", "--offline", "--json", "--pack-destination", dir, "./www"], ROOT));
  packed = tarball.files.map((file) => file.path).sort();
  site = join(dir, "site");
  mkdirSync(site);
  writeFileSync(join(site, "package.json"), JSON.stringify({ private: true }));
  npm(["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", join(dir, tarball.filename)], site);
  writeFileSync(join(site, "index.html"), PAGE);
  copyFileSync(wav, join(site, "angry.wav"));
  for (const file of MODEL_FILES) copyFileSync(join(ROOT, "models", file), join(site, file));
  plainModel(site); // plain-model.json: the shipped model as one that takes no reference voice
  server = await serve(site);
  context = await launch({ microphone: "file", audio: wav });
});

after(async () => {
  await context?.close();
  server?.close();
});

test("npm pack ships exactly the files package.json lists, at the crate's version", () => {
  assert.deepEqual(packed, [...manifest.files, "README.md", "package.json"].sort());
  const crate = readFileSync(join(ROOT, "Cargo.toml"), "utf8").match(/^version = "(.+)"$/m)[1];
  assert.equal(manifest.version, crate);
});

test("the installed package, alone in a page: a file and the meter's microphone give the CLI's label", async () => {
  const page = context.pages()[0] ?? (await context.newPage());
  const requests = [];
  context.on("request", (request) => requests.push(request.url()));
  const errors = [];
  page.on("pageerror", (error) => errors.push(error));
  await page.goto(server.url);

  // A whole file through the recognizer.
  const analysis = await page.evaluate(() => window.analyse("angry.wav"));
  assert.equal(analysis.overall.label, expected.label);
  assert.ok(Math.abs(analysis.overall.confidence - expected.confidence) < PROBABILITY_TOLERANCE);

  // The meter: one tag, keyboard operable, a named group, its headline spoken politely.
  const meter = page.locator("voice-emotion-meter");
  await page.waitForFunction(() => document.querySelector("voice-emotion-meter").state === "idle");
  // Its role and name are set through ElementInternals, which only the browser's own tree shows.
  const { nodes } = await (await context.newCDPSession(page)).send("Accessibility.getFullAXTree");
  assert.equal(nodes.filter((node) => node.role?.value === "group" && node.name?.value === "How the voice sounds").length, 1);
  assert.equal(await meter.locator(".headline").textContent(), "Press Start and speak.");
  assert.equal(await meter.locator(".bars li").count(), 8);
  await captureState(page, "meter-1-idle");

  await meter.getByRole("button", { name: "Start listening" }).focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector("voice-emotion-meter").state === "listening");
  await captureState(page, "meter-2-listening");
  const sounds = `The voice sounds ${adjective(expected.label)}`;
  await page.waitForFunction(
    (sounds) => document.querySelector("voice-emotion-meter").shadowRoot.querySelector(".headline").textContent === sounds,
    sounds,
    { timeout: 30000 },
  );
  await captureState(page, "meter-3-speech");
  // Energy and pleasantness under the verdict, as on the page.
  const scales = await meter.locator("#affect").evaluate((affect) => ({
    shown: !affect.classList.contains("empty"),
    values: [...affect.querySelectorAll("meter")].map((m) => m.value),
    words: [...affect.querySelectorAll(".words")].map((w) => w.textContent),
  }));
  assert.ok(scales.shown && scales.values.length === 2 && scales.values.every((v) => v >= 0 && v <= 1), JSON.stringify(scales));
  for (const words of scales.words) assert.match(words, /^(high|low) \d+ %$/);
  const { predictions, verdicts } = await page.evaluate(() => window.heard);
  assert.ok(verdicts.some((v) => v.kind === "speech" && v.headline === sounds), JSON.stringify(verdicts));
  const speech = predictions.filter((p) => p.emotion);
  assert.ok(speech.length > 0);
  const mean = speech[0].emotion.probabilities.map((_, i) => speech.reduce((sum, p) => sum + p.emotion.probabilities[i], 0) / speech.length);
  const labels = await meter.locator(".bars li").evaluateAll((rows) => rows.map((row) => row.dataset.label));
  assert.equal(labels[argmax(mean)], expected.label, `mean of ${speech.length} predictions ${mean.map((p) => p.toFixed(2))}`);
  await page.waitForFunction(() => document.querySelector("voice-emotion-meter").shadowRoot.querySelector("[aria-live]").textContent !== "");

  // The bars glide, unless the user asks for less motion.
  const glide = () => meter.locator(".fill").first().evaluate((fill) => getComputedStyle(fill).transitionDuration);
  assert.equal(await glide(), "0.5s");
  await page.emulateMedia({ reducedMotion: "reduce" });
  assert.equal(await glide(), "0s");
  await page.emulateMedia({ reducedMotion: null });

  await meter.getByRole("button", { name: "Stop listening" }).click();
  assert.equal(await meter.locator(".headline").textContent(), "Stopped. Press Start to listen again.");
  const heard = await page.evaluate(() => window.heard.predictions.length);
  await sleep(1500);
  assert.equal(await page.evaluate(() => window.heard.predictions.length), heard, "a prediction arrived after Stop");
  await captureState(page, "meter-4-stopped");

  // Another model from the page's own server (its metadata beside it), and one that is missing.
  const loaded = await page.evaluate(async () => {
    const meters = ["emotion.json", "missing.json"].map((model) => {
      const meter = document.createElement("voice-emotion-meter");
      meter.setAttribute("model", model);
      document.body.append(meter);
      return meter;
    });
    while (meters.some((meter) => meter.state === "loading")) await new Promise((done) => setTimeout(done, 100));
    return meters.map((meter) => [meter.state, meter.shadowRoot.querySelector("[role=alert]").textContent]);
  });
  assert.deepEqual(loaded[0], ["idle", ""]);
  assert.deepEqual(loaded[1][0], "error");
  assert.match(loaded[1][1], /missing\.json: 404/);

  // A reference voice: a model that takes none says so and keeps judging as before; one that takes
  // one says what the verdict is compared with, and listens.
  const judged = await page.evaluate(async () => {
    const tilt = Array.from({ length: 64 }, (_, band) => (band - 32) / 8);
    const errors = [];
    const meters = ["plain-model.json", "emotion.json"].map((model) => {
      const meter = document.createElement("voice-emotion-meter");
      meter.setAttribute("model", model);
      meter.addEventListener("error", (e) => errors.push(e.detail.message));
      document.body.append(meter);
      return meter;
    });
    while (meters.some((meter) => meter.state === "loading")) await new Promise((done) => setTimeout(done, 100));
    meters.forEach((meter) => (meter.reference = tilt));
    const [, taking] = meters;
    await taking.start();
    const listening = taking.state;
    taking.stop();
    return {
      errors,
      references: meters.map((meter) => meter.reference?.length ?? null),
      caveats: meters.map((meter) => meter.shadowRoot.querySelector(".caveat").textContent),
      listening,
    };
  });
  assert.deepEqual(judged.references, [null, 64]);
  assert.equal(judged.errors.length, 1);
  assert.match(judged.errors[0], /cannot compare a voice with a reference/);
  assert.deepEqual(judged.caveats, [
    "This is how the voice sounds, not how the person feels.",
    "This is how the voice sounds compared with your everyday voice, not how you feel.",
  ]);
  assert.equal(judged.listening, "listening");

  // Nothing but the scratch page, the installed package and the model files was fetched.
  const own = requests.filter((url) => url.startsWith(server.url)).map((url) => url.slice(server.url.length));
  assert.deepEqual(foreignRequests(requests), []);
  const pageFiles = ["", "angry.wav", ...MODEL_FILES, "missing.json", "plain-model.json"];
  assert.deepEqual(own.filter((path) => !pageFiles.includes(path) && !path.startsWith(`node_modules/${manifest.name}/`)), []);
  assert.deepEqual(errors, []);
});

test("the demo page's meter with the microphone denied: a message, an error event, Start again", async () => {
  const www = await serve();
  const denied = await launch({ microphone: "deny" });
  try {
    const page = denied.pages()[0] ?? (await denied.newPage());
    await page.goto(`${www.url}meter.html`);
    await page.waitForFunction(() => document.querySelector("voice-emotion-meter").state === "idle");
    await captureState(page, "meter-demo-idle");
    await page.evaluate(() =>
      document.querySelector("voice-emotion-meter").addEventListener("error", (e) => (window.failure = e.detail.name)),
    );
    await page.click("voice-emotion-meter button");
    assert.equal(await (await page.waitForFunction(() => window.failure)).jsonValue(), "NotAllowedError");
    const meter = page.locator("voice-emotion-meter");
    assert.equal(await meter.locator(".headline").textContent(), "Not listening");
    assert.match(await meter.getByRole("alert").textContent(), /\w/);
    assert.equal(await meter.getByRole("button", { name: "Start listening" }).isEnabled(), true);
    await captureState(page, "meter-demo-denied");
  } finally {
    await denied.close();
    www.close();
  }
});
