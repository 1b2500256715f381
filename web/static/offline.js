// Installable and offline (the static edition): registers the site's service worker (service-worker.js at the site's
// root, written by vae/publish/static_site.py stage_offline) once the page has loaded, and names to it the files the
// page fetched that it did not see (those of the first visit, before it took control, and those kept by an older
// version's worker), so that after one visit the page opens and paints with no network. index.html loads this module
// on its own: it needs nothing from the other modules, and they nothing from it.

const WORKER = "service-worker.js";

const fetched = (entries) => entries.map((entry) => entry.name).filter((url) => /^https?:/.test(url));

// files this page used, kept by the worker that controls it if it lacks them (it keeps only the site's and
// onnxruntime-web's); a page whose work runs in a Web Worker passes that worker's fetched URLs here too
export function keepUsed(urls) {
  const worker = navigator.serviceWorker?.controller;
  if (worker && urls.length) worker.postMessage({ used: urls });
}

function register() {
  navigator.serviceWorker.register(new URL(WORKER, document.baseURI)) // its scope: the site's root
    .catch((error) => console.warn(`No offline copy of this site: ${error.message}`));
  // each worker that takes control (the first, or a new version's, whose cache starts with the shell alone) is told
  // everything used so far; files still loading then are named as they finish
  navigator.serviceWorker.addEventListener("controllerchange", () => keepUsed(fetched(performance.getEntriesByType("resource"))));
  new PerformanceObserver((list) => keepUsed(fetched(list.getEntries().filter((entry) => entry.workerStart === 0))))
    .observe({ type: "resource" });
}

if (typeof navigator === "object" && "serviceWorker" in navigator) {
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });
}
