// Writes www/pkg/app-files.js: the files the service worker (www/sw.js) keeps for offline use, and
// a version that is a hash of their contents, so any change to the page gives a new cache (the
// browser sees the changed script and installs the new worker). Run by build-web.sh; the tests
// run it on a copy of www/ (the folder as its argument).
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const www = process.argv[2] ?? join(import.meta.dirname, "..", "www");
// The page's own files: markup, styles, modules, the manifest and icon, the wasm and its glue.
// Never the worker itself (the browser keeps it), and nothing but these kinds of file.
const files = [
  ...readdirSync(www).filter((name) => /\.(html|css|js|svg|webmanifest)$/.test(name) && name !== "sw.js"),
  "pkg/voice_emotion.js",
  "pkg/voice_emotion_bg.wasm",
].sort();

const hash = createHash("sha256");
for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(www, file)));
const version = hash.digest("hex").slice(0, 16);

writeFileSync(
  join(www, "pkg", "app-files.js"),
  `// Written by scripts/app-files.mjs: what the service worker caches, and its version.\n` +
    `self.APP_VERSION = ${JSON.stringify(version)};\n` +
    `self.APP_FILES = ${JSON.stringify(files, null, 2)};\n`,
);
console.log(`== build: ${files.length} files for offline use, version ${version}`);
