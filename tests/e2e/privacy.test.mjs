// The page's guarantees: its Content-Security-Policy blocks connections to any other origin and
// any eval, it keeps its own files for offline use and stores nothing else, it is installable, a
// denied or missing microphone gives a clear message, and the wasm is served as wasm.
// Prints the size of the wasm, raw and gzipped.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import {
  ROOT,
  appFiles,
  captureState,
  foreignRequests,
  launch,
  onlyAppFiles,
  openPage,
  serve,
  storedItems,
} from "./helpers.mjs";

// A same-origin script that tries eval and new Function, served beside the page's files.
const EVAL_PROBE = {
  type: "text/javascript",
  body: `window.evalProbe = [() => eval("1 + 1"), () => new Function("return 1")()].map((f) => {
    try { return "ran: " + f(); } catch (error) { return error.name; }
  });`,
};

let server;

before(async () => {
  server = await serve(undefined, { files: { "/csp-probe.js": EVAL_PROBE } });
});

after(() => server?.close());

test("the CSP blocks a fetch to another origin, which never sees the request", async () => {
  // Another origin on this machine (another port), counting what reaches it.
  let hits = 0;
  const other = createServer((_, response) => {
    hits++;
    response.writeHead(200, { "Access-Control-Allow-Origin": "*" }).end("leaked");
  });
  await new Promise((done) => other.listen(0, "127.0.0.1", done));
  const otherUrl = `http://127.0.0.1:${other.address().port}/collect`;

  const context = await launch();
  try {
    const { page, requests } = await openPage(context, server.url);
    const result = await page.evaluate(async (url) => {
      const violations = [];
      document.addEventListener("securitypolicyviolation", (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
      let outcome;
      try {
        await fetch(url, { method: "POST", body: "audio" });
        outcome = "sent";
      } catch (error) {
        outcome = `${error.name}: ${error.message}`;
      }
      await new Promise((done) => setTimeout(done, 100)); // the violation event is queued
      return { outcome, violations };
    }, otherUrl);
    assert.match(result.outcome, /^TypeError/);
    assert.deepEqual(result.violations, [`connect-src ${otherUrl}`]);
    assert.equal(hits, 0);
    assert.deepEqual(foreignRequests(requests), []);

    // Neither eval nor new Function runs in the page's own scripts (a same-origin script tries
    // both); the policy allows no inline code at all.
    await page.addScriptTag({ url: `${server.url}csp-probe.js` });
    assert.deepEqual(await page.evaluate(() => window.evalProbe), ["EvalError", "EvalError"]);
    const policy = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
    assert.doesNotMatch(policy, /'unsafe-inline'|'unsafe-eval'|\*/);

    // No inline script or style attribute: the markup the CSP governs has none.
    const html = readFileSync(join(ROOT, "www/index.html"), "utf8");
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=/i);
  } finally {
    await context.close();
    other.close();
  }
});

test("Cache Storage holds exactly the app's own files, under the build's version; nothing else is stored", async () => {
  const context = await launch();
  try {
    const { page, requests, errors } = await openPage(context, server.url);
    assert.deepEqual(await storedItems(page), onlyAppFiles());
    // Only the kinds of file the page is made of, never audio or results.
    const { files } = appFiles();
    for (const file of files) assert.match(file, /^(pkg\/)?[\w-]+\.(html|css|js|svg|webmanifest|wasm)$/);
    // Every file the page loaded is kept for offline use, but the worker and its list (the
    // browser keeps those itself).
    const loaded = requests.map((url) => new URL(url).pathname.slice(1) || "index.html");
    assert.deepEqual([...new Set(loaded.filter((file) => !files.includes(file)))].sort(), ["pkg/app-files.js", "sw.js"]);
    assert.deepEqual(foreignRequests(requests), []);

    // Installable (the manifest, its icon and the worker), in the page's own colours.
    const cdp = await context.newCDPSession(page);
    assert.deepEqual((await cdp.send("Page.getInstallabilityErrors")).installabilityErrors, []);
    const manifest = JSON.parse(readFileSync(join(ROOT, "www/app.webmanifest"), "utf8"));
    assert.equal(manifest.display, "standalone");
    const hex = (rgb) => `#${rgb.match(/\d+/g).slice(0, 3).map((c) => Number(c).toString(16).padStart(2, "0")).join("")}`;
    const background = hex(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor));
    assert.deepEqual([manifest.theme_color, manifest.background_color], [background, background]);
    assert.equal(await page.getAttribute('meta[name="theme-color"]', "content"), background);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

for (const { microphone, error, words } of [
  { microphone: "deny", error: "NotAllowedError", words: /^Microphone access was denied\./ },
  { microphone: "none", error: "NotFoundError", words: /^No microphone was found\./ },
]) {
  test(`microphone ${microphone}: a clear message in the live and practice views, and Start works again`, async () => {
    const context = await launch({ microphone });
    try {
      const { page, errors } = await openPage(context, server.url);
      await page.click("#start");
      await page.waitForSelector("#mic-message:not([hidden])");
      assert.match(await page.textContent("#mic-message"), words);
      assert.equal(await page.getAttribute("#mic-message", "data-error"), error);
      assert.equal(await page.getAttribute("#live", "data-state"), "error");
      assert.equal(await page.isEnabled("#start"), true);
      assert.equal(await page.isEnabled("#stop"), false);
      await captureState(page, `mic-${microphone}`);
      // The practice view's microphone: the same words, and its Start works again.
      await page.click("#practice-start");
      await page.waitForSelector("#practice-message:not([hidden])");
      assert.match(await page.textContent("#practice-message"), words);
      assert.equal(await page.getAttribute("#practice", "data-state"), "error");
      assert.equal(await page.isEnabled("#practice-start"), true);
      assert.equal(await page.isEnabled("#practice-stop"), false);
      await captureState(page, `practice-mic-${microphone}`);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}

test("the wasm is served as application/wasm; its size", async () => {
  const response = await fetch(`${server.url}pkg/voice_emotion_bg.wasm`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type").split(";")[0], "application/wasm");
  const wasm = Buffer.from(await response.arrayBuffer());
  assert.deepEqual(wasm, readFileSync(join(ROOT, "www/pkg/voice_emotion_bg.wasm")));
  const mb = (bytes) => (bytes / 1e6).toFixed(2);
  console.log(`figure: wasm ${mb(wasm.length)} MB raw, ${mb(gzipSync(wasm, { level: 9 }).length)} MB gzipped`);
});
