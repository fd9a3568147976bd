// One small driver per browser engine, so the scenarios in page.test.mjs are written once:
//   firefox  Debian's firefox-esr, driven by puppeteer-core over WebDriver BiDi
//   webkit   Debian's WebKitGTK MiniBrowser, driven by selenium-webdriver through WebKitWebDriver
//            (classic WebDriver), on a private Xvfb display
// Every driver gives: version, goto(url), evaluate(fn, ...args) (fn may be async), click(selector)
// (a real click: a user gesture), pickFile(selector, path), screenshot(name), requests() (every URL
// the page asked for) and close().
//
// The microphone, as the browser is started:
//   "real"       the default PulseAudio source of `env` (see virtual-mic.mjs), access granted
//   "none"       no audio server at all, so no microphone
//   "deny"       a microphone the person refuses (WebKit: see WEBKIT_CANNOT)
//   "suspended"  a microphone, but no audio output: the AudioContext never runs
// WebKitGTK cannot do "suspended" (see WEBKIT_CANNOT; `cannot` tells).

import { execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import puppeteer from "puppeteer-core";
import { Builder, By } from "selenium-webdriver";
import { ARTIFACTS, temporaryFolder } from "../e2e/helpers.mjs";

/** The engine these tests drive: VE_ENGINE=firefox or webkit. */
export const ENGINE = process.env.VE_ENGINE ?? "firefox";

const WINDOW = { width: 900, height: 1100 };
const MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

/** An environment in which no audio server can be found. */
function withoutAudioServer(env) {
  const dir = temporaryFolder("ve-no-audio-");
  return { ...env, HOME: dir, XDG_RUNTIME_DIR: dir, PULSE_SERVER: `unix:${join(dir, "none")}` };
}

/** Why `engine` cannot be started with `microphone` here, or undefined when it can. */
export const cannot = (engine, microphone) => (engine === "webkit" ? WEBKIT_CANNOT[microphone] : undefined);

/** Starts `engine` with `microphone` (as above); `env` carries PULSE_SERVER for "real". */
export function launch(engine = ENGINE, { microphone = "none", env = process.env } = {}) {
  if (microphone !== "real") env = withoutAudioServer(env);
  if (engine === "firefox") return launchFirefox(microphone, env);
  if (engine === "webkit") return launchWebKit(microphone, env);
  throw new Error(`unknown engine ${engine}`);
}

async function launchFirefox(microphone, env) {
  const prefs = {
    // No prompt: access is granted, unless the person refuses (below).
    "media.navigator.permission.disabled": microphone !== "deny",
    // Firefox's own fake device: a microphone that needs no audio server.
    "media.navigator.streams.fake": microphone === "deny" || microphone === "suspended",
  };
  if (microphone === "deny") prefs["permissions.default.microphone"] = 2;
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: "/usr/bin/firefox-esr",
    headless: true,
    env,
    extraPrefsFirefox: prefs,
    defaultViewport: WINDOW,
  });
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  const requests = [];
  page.on("request", (request) => requests.push(request.url()));
  const [, version] = (await browser.version()).split("/");
  return {
    version: `Firefox ${version}`,
    goto: (url) => page.goto(url),
    evaluate: (fn, ...args) => page.evaluate(fn, ...args),
    click: (selector) => page.click(selector),
    pickFile: async (selector, path) => (await page.$(selector)).uploadFile(path),
    screenshot: (name) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true }),
    requests: () => [...requests],
    close: () => browser.close(),
  };
}

/** A TCP port nobody listens on now. */
async function freePort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

/** A private X display (Xvfb picks a free number): `{ display, close }`. */
async function startXvfb() {
  const xvfb = spawn("Xvfb", ["-displayfd", "1", "-screen", "0", "1280x1400x24", "-nolisten", "tcp"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const number = await new Promise((done, fail) => {
    xvfb.stdout.once("data", (chunk) => done(String(chunk).trim()));
    xvfb.once("exit", (code) => fail(new Error(`Xvfb exited with ${code}`)));
  });
  return { display: `:${number}`, close: () => xvfb.kill() };
}

/**
 * What WebKitGTK's automation cannot be made to do here, and why (measured with 2.50.6): a paused
 * AudioContext: it runs with no audio server at all, and even when started without a gesture with
 * media-playback-requires-user-gesture. Nor can it refuse as a person would (an automated
 * MiniBrowser grants every capture request; WebKitWebDriver answers WebDriver's Set Permission with
 * "unknown command"): "deny" is the refusal WebKit itself makes, to the page embedded in a frame by
 * another site that does not allow it the microphone (`allow` without it), on WebKit's mock device.
 */
const WEBKIT_CANNOT = {
  suspended: "WebKitGTK's AudioContext runs even with no audio server and no user gesture",
};

async function launchWebKit(microphone, env) {
  if (WEBKIT_CANNOT[microphone]) throw new Error(`WebKitGTK cannot be started with microphone ${microphone}: ${WEBKIT_CANNOT[microphone]}`);
  const x = await startXvfb();
  const port = await freePort();
  const driverEnv = { ...env, DISPLAY: x.display };
  const driverProcess = spawn("WebKitWebDriver", [`--port=${port}`], { env: driverEnv, stdio: "ignore" });
  const args = ["--automation"];
  if (microphone === "deny") args.push("--enable-mock-capture-devices=true");
  const capabilities = { browserName: "MiniBrowser", "webkitgtk:browserOptions": { binary: MINIBROWSER, args } };
  let driver;
  for (let attempt = 0; ; attempt++) {
    try {
      driver = await new Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities(capabilities).build();
      break;
    } catch (error) {
      if (attempt === 50) throw error;
      await new Promise((done) => setTimeout(done, 200)); // the driver is still starting
    }
  }
  await driver.manage().window().setRect(WINDOW);
  const version = (await driver.getCapabilities()).get("browserVersion");
  // Classic WebDriver sees no network: the page's own record of what it fetched stands in.
  const requests = () =>
    evaluate(() => performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource")).map((e) => e.name));
  const evaluate = async (fn, ...args) => {
    const result = await driver.executeAsyncScript(
      `const done = arguments[arguments.length - 1];
       Promise.resolve().then(() => (${fn}).apply(null, Array.from(arguments).slice(0, -1)))
         .then((value) => done({ value }), (error) => done({ error: String(error && error.stack || error) }));`,
      ...args,
    );
    if (result?.error) throw new Error(result.error);
    return result?.value;
  };
  // One embedder per session, however often the page is loaded: a second one left listening kept
  // node from exiting after the last test (session 12's CI ran out of time that way).
  let embedder, framed;
  /** The page itself, or for "deny" the page in a frame of a site (another origin) that denies it the microphone. */
  const goto = async (url) => {
    if (microphone !== "deny") return driver.get(url);
    framed = url;
    if (!embedder) {
      embedder = createHttpServer((_, response) =>
        response
          .writeHead(200, { "content-type": "text/html" })
          .end(`<!doctype html><title>Embedder</title><iframe src="${framed}" allow="autoplay" width="880" height="1080"></iframe>`),
      );
      await new Promise((done) => embedder.listen(0, "127.0.0.1", done));
    }
    await driver.switchTo().defaultContent();
    await driver.get(`http://localhost:${embedder.address().port}/`);
    await driver.switchTo().frame(await driver.findElement(By.css("iframe")));
  };
  return {
    version: `WebKitGTK ${version}`,
    goto,
    evaluate,
    click: async (selector) => (await driver.findElement(By.css(selector))).click(),
    pickFile: async (selector, path) => (await driver.findElement(By.css(selector))).sendKeys(path),
    screenshot: async (name) => writeFileSync(join(ARTIFACTS, `${name}.png`), await driver.takeScreenshot(), "base64"),
    requests,
    close: async () => {
      embedder?.close();
      embedder?.closeAllConnections();
      await driver.quit().catch(() => {});
      driverProcess.kill();
      x.close();
    },
  };
}

/** Waits until `fn` (evaluated in the page, with `args`) returns something truthy; returns it. */
export async function waitFor(browser, fn, { args = [], timeout = 30000, what = String(fn) } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await browser.evaluate(fn, ...args);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** The browser's version line for the logs. */
export function describe(browser) {
  const system = execFileSync("sh", ["-c", ". /etc/os-release && echo $PRETTY_NAME"], { encoding: "utf8" }).trim();
  return `${browser.version} on ${system}`;
}
