/* Service worker of the community-worker portal, rendered by portal/pwa/views.py.
 *
 * Caches only what is the same for every user: content-hashed static assets and the
 * offline page. Pages, htmx fragments and JSON differ per user and go to the network
 * untouched, so one worker's data can never be shown to the next person on the phone.
 * The cache name carries a version derived from the asset hashes: a deploy that changes
 * any asset changes this file, the browser installs the new worker, and the old cache
 * is deleted on activation.
 */
'use strict';

const CACHE_PREFIX = 'portal-';
const CACHE = CACHE_PREFIX + 'static-' + {{ version|tojson }};
const PRECACHE = {{ precache|tojson }};
const OFFLINE_URL = {{ offline_url|tojson }};
const LOGIN_URL = {{ login_url|tojson }};
const STATIC_PREFIX = {{ static_prefix|tojson }};
const HASHED = /\.[0-9a-f]{12}(\.[^./]+)?$/;

// Static files named by their content hash (portal.0123456789ab.css) never change, and
// the offline page holds nothing personal: these are the only URLs this worker will keep.
function isShared(url) {
  if (url.origin !== self.location.origin) return false;
  if (url.pathname === OFFLINE_URL) return url.search === '';
  return url.pathname.startsWith(STATIC_PREFIX) && HASHED.test(url.pathname) && url.search === '';
}

function isCacheable(response) {
  if (!response || !response.ok || response.redirected || response.type !== 'basic') return false;
  const control = (response.headers.get('Cache-Control') || '').toLowerCase();
  return !control.includes('no-store') && !control.includes('private');
}

async function precache() {
  const cache = await caches.open(CACHE);
  await Promise.all(PRECACHE.map(async (url) => {
    // The offline page's URL has no version: ask the server, not the HTTP cache.
    const request = new Request(url, { cache: url === OFFLINE_URL ? 'no-cache' : 'default' });
    const response = await fetch(request);
    // A redirect (say, to a password page) or an error must never be stored in its place.
    if (!isCacheable(response)) throw new Error('not cacheable: ' + url);
    await cache.put(url, response);
  }));
}

// Forget everything but the current shared cache, and anything in it that is not shared.
async function forgetUserData() {
  const names = await caches.keys();
  await Promise.all(names.map(async (name) => {
    if (name !== CACHE) return caches.delete(name);
    const cache = await caches.open(name);
    const requests = await cache.keys();
    return Promise.all(
      requests.filter((request) => !isShared(new URL(request.url)))
        .map((request) => cache.delete(request)));
  }));
}

self.addEventListener('install', (event) => {
  // Nothing user-specific is cached, so a new version may take over at once.
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names
      .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE)
      .map((name) => caches.delete(name)));
    // Start the page request while the worker boots: a weak network should not wait for us.
    if (self.registration.navigationPreload) {
      await self.registration.navigationPreload.enable();
    }
    await self.clients.claim();
  })());
});

async function offlinePage() {
  const cache = await caches.open(CACHE);
  const page = await cache.match(OFFLINE_URL, { ignoreVary: true });
  return page || Response.error();
}

// Pages: always the network (never cached: they are personal); the offline page if it fails.
async function networkFirst(event) {
  try {
    const preloaded = await event.preloadResponse;
    if (preloaded) return preloaded;
    return await fetch(event.request);
  } catch (error) {
    return offlinePage();
  }
}

// Hashed static files: from the cache, else the network (and kept for next time).
async function cacheFirst(event) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(event.request, { ignoreVary: true });
  if (hit) return hit;
  const response = await fetch(event.request);
  if (isCacheable(response)) {
    event.waitUntil(cache.put(event.request, response.clone()));
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    // Arriving at the login page: whoever used the app before has left.
    if (url.pathname === LOGIN_URL) event.waitUntil(forgetUserData());
    event.respondWith(networkFirst(event));
  } else if (isShared(url) && url.pathname !== OFFLINE_URL) {
    event.respondWith(cacheFirst(event));
  }
  // Anything else (htmx fragments, JSON, the manifest) is not touched.
});

self.addEventListener('message', (event) => {
  if (event.origin && event.origin !== self.location.origin) return;
  const type = event.data && event.data.type;
  if (type === 'logout') {
    event.waitUntil(forgetUserData().then(() => {
      if (event.source) event.source.postMessage({ type: 'logged-out' });
    }));
  }
});
{% if imports %}
// Push and notification handlers live in their own files; their hashed names are part of
// this file, so changing them updates the worker too.
importScripts({% for url in imports %}{{ url|tojson }}{{ ", " if not loop.last }}{% endfor %});
{% endif %}
