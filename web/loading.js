// Loading, for both pages: a fetch whose HTTP status is checked, and loads remembered until they fail (a failed load
// is forgotten, so the next call tries again: a network that dropped once does not break the page for good).

// fetch(url)'s response, or an Error naming the URL and its HTTP status
export async function fetchChecked(url, fetcher = (address) => fetch(address)) {
  const response = await fetcher(url);
  if (!response.ok) throw new Error(`${url} could not be loaded (HTTP ${response.status})`);
  return response;
}

// the promise of `load()` kept in `cache` (a Map) under `key`: made once, and made again after it fails
export function remembered(cache, key, load) {
  if (!cache.has(key)) {
    const promise = new Promise((resolve) => resolve(load()));
    cache.set(key, promise);
    promise.catch(() => {
      if (cache.get(key) === promise) cache.delete(key);
    });
  }
  return cache.get(key);
}
