// Interlude's service worker. Served at /sw.js with no-cache; the server fills in the release
// fingerprint and the shell's files, so every release is a new worker that the browser finds on
// its next check. The new worker waits until the page says it may take over (never in the
// middle of a practice).
//
// Caches: the shell of this release (precached; older releases' shells are deleted when this
// one activates); the catalog and support contacts (stale-while-revalidate); the person's plan
// (stale-while-revalidate) and stats (the network first, the last answer when offline), both
// deleted at sign-out; downloads (kept until removed, byte ranges answered from them with 206).

const VERSION = "%VERSION%";
const SHELL = `interlude-shell-${VERSION}`;
const CATALOG = "interlude-catalog";
const PERSONAL = "interlude-personal";
const DOWNLOADS = "interlude-downloads";
const PRECACHE = %PRECACHE%;

const CATALOG_PATHS = [/^\/api\/v1\/exercises$/, /^\/api\/v1\/exercises\/[^/]+$/, /^\/api\/v1\/support$/];
const PLAN_PATHS = [/^\/api\/v1\/me\/plan$/];
const RECENT_PATHS = [/^\/api\/v1\/me\/stats$/, /^\/api\/v1\/me\/practices$/];
const MEDIA_PATHS = [/^\/api\/v1\/exercises\/[^/]+\/variants\/\d+\/(audio|captions|timeline)$/];

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const shell = await caches.open(SHELL);
      await shell.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })));
      // Crisis contacts should be there even on the first offline start.
      const catalog = await caches.open(CATALOG);
      await catalog.add("/api/v1/support").catch(() => {});
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("interlude-shell-") && name !== SHELL) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "take-over") self.skipWaiting();
  if (event.data?.type === "version") event.source?.postMessage({ type: "version", version: VERSION });
});

// Reminders (Web Push). The server's payload is {title, body, url, tag}; what shows on a lock
// screen is only that text. A tap opens the due practice: in a window that is already open
// when there is one, else in a new one. Only this app's own practice links are followed.
const REMINDER_TEXT = "A moment for your practice, whenever it suits you.";

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  event.waitUntil(
    self.registration.showNotification(typeof data.title === "string" ? data.title : "Interlude", {
      body: typeof data.body === "string" ? data.body : REMINDER_TEXT,
      tag: typeof data.tag === "string" ? data.tag : "reminder",
      icon: "/app/icons/icon-192.png",
      badge: "/app/icons/icon-192.png",
      data: { hash: practiceHash(data.url) },
    }),
  );
});

function practiceHash(url) {
  try {
    const target = new URL(url, self.location.origin);
    if (target.origin === self.location.origin && /^#\/play\//.test(target.hash)) return target.hash;
  } catch {
    // not a URL: open Today
  }
  return "#/today";
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const opening = openPractice(event.notification.data?.hash || "#/today");
  // A real tap may extend the event; an untrusted one (the browser test's) cannot.
  if (event.isTrusted) event.waitUntil(opening);
});

async function openPractice(hash) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
  if (!open) return self.clients.openWindow(`/${hash}`);
  open.postMessage({ type: "open", hash });
  return open.focus().catch(() => open);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const path = url.pathname;
  if (path === "/") {
    event.respondWith(shellFirst(request, request));
  } else if (path.startsWith("/app/") || path === "/manifest.webmanifest") {
    event.respondWith(shellFirst(request, request));
  } else if (MEDIA_PATHS.some((pattern) => pattern.test(path))) {
    event.respondWith(media(request));
  } else if (CATALOG_PATHS.some((pattern) => pattern.test(path))) {
    event.respondWith(staleWhileRevalidate(CATALOG, request, event));
  } else if (PLAN_PATHS.some((pattern) => pattern.test(path))) {
    event.respondWith(staleWhileRevalidate(PERSONAL, request, event));
  } else if (RECENT_PATHS.some((pattern) => pattern.test(path))) {
    event.respondWith(networkFirst(PERSONAL, request));
  }
});

async function shellFirst(key, request) {
  const cached = await caches.match(key, { cacheName: SHELL, ignoreSearch: key.mode === "navigate" });
  return cached || fetch(request);
}

// Downloaded audio, captions and timelines come from the downloads cache; anything else goes
// to the network as it would without a worker (the server answers Range itself).
async function media(request) {
  const cached = await caches.match(request.url, { cacheName: DOWNLOADS, ignoreVary: true });
  if (!cached) return fetch(request);
  const range = request.headers.get("Range");
  return range ? sliced(cached, range) : cached;
}

// A 206 for `bytes=a-b`, `bytes=a-` and `bytes=-n` (Safari probes with bytes=0-1 and refuses
// a 200); a 416 when the range lies outside the file.
async function sliced(response, header) {
  const blob = await response.blob();
  const size = blob.size;
  const type = response.headers.get("Content-Type") || "application/octet-stream";
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) {
    return new Response(blob, { status: 200, headers: { "Content-Type": type, "Accept-Ranges": "bytes" } });
  }
  let start;
  let end;
  if (match[1] === "") {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end || (match[1] === "" && Number(match[2]) === 0)) {
    return new Response(null, { status: 416, headers: { "Content-Range": `bytes */${size}` } });
  }
  return new Response(blob.slice(start, end + 1), {
    status: 206,
    headers: {
      "Content-Type": type,
      "Content-Range": `bytes ${start}-${end}/${size}`,
      "Content-Length": String(end - start + 1),
      "Accept-Ranges": "bytes",
    },
  });
}

// The cached answer at once (when there is one), the network's answer stored for next time;
// when the fresh answer differs, the pages are told so they can show it. The cached body is
// read before the page gets it: once handed to respondWith it is used, cannot be cloned, and
// the fresh answer would never be stored (the plan stayed as first kept; see docs/web.md).
async function staleWhileRevalidate(cacheName, request, event) {
  const cache = await caches.open(cacheName);
  const cached = await cache.match(request);
  const previous = cached ? await cached.clone().text() : null;
  const fresh = fetch(request).then(async (response) => {
    if (response.ok) {
      const text = await response.clone().text();
      await cache.put(request, response.clone());
      if (previous !== null && previous !== text) await tell({ type: "refreshed", url: request.url });
    }
    return response;
  });
  if (!cached) return fresh;
  event.waitUntil(fresh.catch(() => {}));
  return cached;
}

// What changes with every practice: fresh when there is a connection, the last answer without.
async function networkFirst(cacheName, request) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw error;
  }
}

async function tell(message) {
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage(message);
}
