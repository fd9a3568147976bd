// The service worker: after one visit the page works offline. It caches the app's own files only
// (pkg/app-files.js, written by the build), once, when it installs; audio, results and anything
// else the page touches are never cached. Online, every file still comes from the network, so a
// rebuilt or edited page shows on the next reload; the cache answers only when the network fails.

importScripts("pkg/app-files.js"); // self.APP_VERSION, self.APP_FILES
const CACHE = `voice-emotion-${self.APP_VERSION}`;
const APP_URLS = new Set(self.APP_FILES.map((file) => new URL(file, self.registration.scope).href));
const INDEX = new URL("index.html", self.registration.scope).href;

self.addEventListener("install", (event) => {
  // A new build takes over at once (the files it caches are complete and consistent).
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll([...APP_URLS].map((url) => new Request(url, { cache: "no-cache" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  // The origin is the app's: every other cache is an older build's.
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  url.search = "";
  // The page opened at its folder's address is index.html.
  const file = url.href === self.registration.scope ? INDEX : url.href;
  if (!APP_URLS.has(file)) return; // not the app's: the browser fetches it as if there were no worker
  // caches.match, not caches.open: a worker whose fetch fails after a newer build deleted its cache (a
  // reload aborts the old page's requests) must not create that cache again, empty.
  event.respondWith(fetch(request).catch(() => caches.match(file, { cacheName: CACHE })));
});
