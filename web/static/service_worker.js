// The static edition's service worker, staged at the site's root as service-worker.js (so that its scope is the whole
// site) by vae/publish/static_site.py stage_offline, which writes STAGED: the site's version (a digest of its files),
// its shell (the page, site.json, the modules, the manifest and icons), where onnxruntime-web comes from and the
// Subresource Integrity hash of each of its files that the page loads.
//
// What it keeps, in one cache per version (a new version's worker deletes the caches of older ones of this site):
// - the shell, fetched at install; then network first (a new version shows when online), the cache when the
//   network fails or takes more than NETWORK_WAIT_MS;
// - data/ (files named by their content) and onnxruntime-web's files (a pinned version): cache first, kept as they
//   are first used, and the ones the page fetched before this worker controlled it when the page names them (offline.js);
//   onnxruntime-web's are asked for with their hashes, so that bytes which differ are never kept.
// Only GETs of the site's own files or of onnxruntime-web's pass through it; a visitor's photo is read in the page and
// never fetched, so never kept.

const STAGED = { version: "unstaged", shell: ["./"], ort: "onnxruntime-web/", integrity: {} }; // written at staging

const SITE = `landscape-vae ${self.registration.scope}`; // the site's caches are named SITE + " " + version
const CACHE = `${SITE} ${STAGED.version}`;
const NETWORK_WAIT_MS = 4000; // on a venue's failing Wi-Fi a request may hang rather than fail
const at = (path) => new URL(path, self.registration.scope).href;
const ORT = at(STAGED.ort);
const DATA = at("data/");
const PINNED = new Map(Object.entries(STAGED.integrity).map(([file, hash]) => [new URL(file, ORT).href, hash]));

// a response worth keeping: whole, and readable (an opaque cross-origin response is neither checkable nor small)
const keepable = (response) => response.status === 200 && (response.type === "basic" || response.type === "cors");

// a redirected response cannot answer a navigation: the same body, unredirected
async function unredirected(response) {
  if (!response.redirected) return response;
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers: response.headers });
}

// where the cache keeps a URL: without its query (a share link's ?code=… opens the same page)
const key = (url) => { const u = new URL(url); u.search = ""; u.hash = ""; return u.href; };

const ours = (url) => url.startsWith(self.registration.scope) || url.startsWith(ORT);
const lasting = (url) => url.startsWith(DATA) || url.startsWith(ORT); // named by content or by pinned version

// a request for one of onnxruntime-web's files carries its pinned hash: the fetch fails on other bytes
const pinned = (request) => (PINNED.has(key(request.url)) ? new Request(request, { integrity: PINNED.get(key(request.url)) }) : request);

async function keep(cache, request, response) {
  if (keepable(response)) await cache.put(key(request.url), await unredirected(response.clone()));
  return response;
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  return (await cache.match(key(request.url))) ?? keep(cache, request, await fetch(pinned(request)));
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  // "no-cache": asked of the server (a 304 costs no body), never a copy the HTTP cache thinks fresh
  const fresh = request.mode === "navigate" ? new Request(request.url, { cache: "no-cache" }) : new Request(request, { cache: "no-cache" });
  const network = fetch(fresh).then((response) => keep(cache, request, response));
  const waited = new Promise((resolve) => setTimeout(resolve, NETWORK_WAIT_MS));
  const first = await Promise.race([network, waited]).catch(() => undefined);
  if (first) return first;
  return (await cache.match(key(request.url))) ?? network;
}

self.addEventListener("install", (event) => {
  // "no-cache": the server is asked (a 304 costs no body), so no stale HTTP-cached file enters a new version
  event.waitUntil(caches.open(CACHE)
    .then((cache) => Promise.all(STAGED.shell.map(async (path) => {
      const request = new Request(at(path), { cache: "no-cache" });
      const response = await fetch(request);
      if (!keepable(response)) throw new Error(`${path} could not be kept (HTTP ${response.status})`);
      await cache.put(key(request.url), await unredirected(response));
    })))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name.startsWith(`${SITE} `) && name !== CACHE).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET" || !ours(request.url) || request.url === at("service-worker.js")) return;
  if (request.headers.has("range")) return; // a part of a file is not the file
  event.respondWith(lasting(request.url) ? cacheFirst(request) : networkFirst(request));
});

// { used: [URL, …] } from the page (offline.js): files it fetched before this worker controlled it, kept if missing
self.addEventListener("message", (event) => {
  const used = (event.data?.used ?? []).filter((url) => typeof url === "string" && ours(url) && url !== at("service-worker.js"));
  event.waitUntil(caches.open(CACHE).then((cache) => Promise.all(used.map(async (url) => {
    if (await cache.match(key(url))) return;
    const request = pinned(new Request(url, { mode: "cors" }));
    try { await keep(cache, request, await fetch(request)); } catch { /* kept when next used */ }
  }))));
});
