// Loading, for both pages: a fetch whose HTTP status is checked, bytes checked against their pinned hash, and loads
// remembered until they fail (a failed load is forgotten, so the next call tries again: a network that dropped once
// does not break the page for good).

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

// `bytes` (a Uint8Array) if their SHA-384 is `integrity` (an SRI hash, "sha384-…"; none: unchecked), else an Error
// naming `what`: the check fetch(url, { integrity }) makes, made once the bytes are read, since such a fetch hands over
// nothing before its last byte and the progress line counts them as they arrive
export async function checkedBytes(bytes, integrity, what) {
  if (!integrity) return bytes;
  if (!globalThis.crypto?.subtle) throw new Error(`${what} cannot be checked on a page not served over https`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-384", bytes));
  if (integrity !== `sha384-${btoa(String.fromCharCode(...digest))}`) throw new Error(`${what} is not the pinned file`);
  return bytes;
}
