// Offline: after one visit the service worker serves the page with the server gone and the network
// off, and a file and the (fake) microphone still give the CLI's label. A rebuilt page shows on
// the next reload, and its files replace the old build's in the cache.

import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { before, test } from "node:test";
import { isDeepStrictEqual } from "node:util";
import {
  ROOT,
  angryWav,
  cli,
  foreignRequests,
  launch,
  onlyAppFiles,
  openPage,
  scratch,
  serve,
  sleep,
  storedItems,
} from "./helpers.mjs";

let wav, expected;

before(() => {
  wav = angryWav(scratch(), 4);
  expected = cli(wav);
});

test("after one visit the page works offline: a file and the microphone give the CLI's label", async () => {
  const server = await serve();
  const context = await launch({ microphone: "file", audio: wav });
  try {
    const { page, requests, errors } = await openPage(context, server.url);
    server.close();
    await context.setOffline(true);
    const responses = [];
    page.on("response", (response) => responses.push(response));
    await page.reload();
    await page.waitForFunction(() => performance.getEntriesByName("voice-emotion:ready").length > 0);
    assert.ok(responses.length > 0);
    for (const response of responses) assert.ok(response.fromServiceWorker(), `${response.url()} not from the cache`);

    await page.setInputFiles("#file-input", wav);
    await page.waitForFunction(() => !["idle", "working"].includes(document.getElementById("file").dataset.state), null, {
      timeout: 60000,
    });
    assert.equal(await page.getAttribute("#file", "data-state"), "done", await page.textContent("#file-status"));
    assert.equal(await page.getAttribute("#file-overall", "data-label"), expected.label);

    await page.click("#start");
    await page.waitForFunction(
      (label) => document.getElementById("live").dataset.state === "speech" && document.getElementById("dominant").dataset.label === label,
      expected.label,
      { timeout: 30000 },
    );
    await page.click("#stop");

    assert.deepEqual(await storedItems(page), onlyAppFiles());
    assert.deepEqual(foreignRequests(requests), []);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    server.close();
  }
});

test("a rebuilt page shows on the next reload, and only its files stay cached", async () => {
  // A copy of www/ to rebuild: its title changes and the build lists its files again.
  const www = join(scratch(), "www");
  cpSync(join(ROOT, "www"), www, { recursive: true });
  const server = await serve(www);
  const context = await launch();
  try {
    const { page, errors } = await openPage(context, server.url);
    const first = onlyAppFiles(www);
    assert.deepEqual(await storedItems(page), first);

    const index = join(www, "index.html");
    writeFileSync(index, readFileSync(index, "utf8").replace(/<title>[^<]*</, "<title>Rebuilt<"));
    execFileSync("node", [join(ROOT, "scripts/app-files.mjs"), www]);
    const rebuilt = onlyAppFiles(www);
    assert.notDeepEqual(rebuilt.caches, first.caches);

    // The worker answers the reload, with the new page from the network, not the cached one.
    await page.waitForFunction(() => navigator.serviceWorker.controller);
    const response = await page.reload();
    assert.ok(response.fromServiceWorker());
    assert.equal(await page.title(), "Rebuilt");
    // The new worker installs beside the page and deletes the old build's cache.
    let stored = await storedItems(page);
    for (const started = Date.now(); Date.now() - started < 30000 && !isDeepStrictEqual(stored, rebuilt); await sleep(200)) {
      stored = await storedItems(page);
    }
    assert.deepEqual(stored, rebuilt);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    server.close();
  }
});
