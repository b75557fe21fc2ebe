// Practices kept on this device: each variant's audio, captions and timeline in the
// "interlude-downloads" cache (the service worker answers from it, byte ranges included),
// and a small index in localStorage so the screens know at once what is offline.

import { fetchForKeeping } from "./api.js";

export const CACHE = "interlude-downloads";
const INDEX = "interlude.downloads";
const listeners = new Set();

function read() {
  try {
    return JSON.parse(localStorage.getItem(INDEX) || "{}");
  } catch {
    return {};
  }
}

function write(index) {
  localStorage.setItem(INDEX, JSON.stringify(index));
  for (const fn of listeners) fn();
}

const key = (slug, minutes) => `${slug}/${minutes}`;

export function onChange(fn) {
  listeners.add(fn);
}

export function list() {
  return Object.values(read()).sort((a, b) => a.title.localeCompare(b.title));
}

export function find(slug, minutes) {
  return read()[key(slug, minutes)] || null;
}

export function lengthsOffline(slug) {
  return list()
    .filter((entry) => entry.slug === slug)
    .map((entry) => entry.minutes);
}

// The rendition this browser plays best: Opus where it can, else AAC.
export function playable(variant) {
  const probe = document.createElement("audio");
  const order = ["opus", "aac", "mp3"];
  const ranked = [...variant.renditions].sort((a, b) => order.indexOf(a.format) - order.indexOf(b.format));
  return ranked.find((r) => probe.canPlayType(r.mime_type) !== "") || ranked.find((r) => r.format === "aac");
}

export async function save(detail, variant) {
  const rendition = playable(variant);
  const urls = [rendition.url, variant.captions_url, variant.timeline_url];
  const cache = await caches.open(CACHE);
  let bytes = 0;
  for (const url of urls) {
    const response = await fetchForKeeping(url);
    const body = await response.blob();
    bytes += body.size;
    const headers = { "Content-Type": response.headers.get("Content-Type") || "application/octet-stream" };
    await cache.put(url, new Response(body, { headers }));
  }
  // Ask once that downloads are kept even when the device runs short of space.
  navigator.storage?.persist?.().catch(() => {});
  const index = read();
  index[key(detail.slug, variant.length_minutes)] = {
    slug: detail.slug,
    title: detail.title,
    kind: detail.kind,
    minutes: variant.length_minutes,
    bytes,
    urls,
    rendition,
    variant: { ...variant, renditions: [rendition] },
    at: new Date().toISOString(),
  };
  write(index);
}

export async function remove(slug, minutes) {
  const index = read();
  const entry = index[key(slug, minutes)];
  if (!entry) return;
  const cache = await caches.open(CACHE);
  const stillUsed = new Set(
    Object.values(index)
      .filter((other) => other !== entry)
      .flatMap((other) => other.urls),
  );
  for (const url of entry.urls) if (!stillUsed.has(url)) await cache.delete(url);
  delete index[key(slug, minutes)];
  write(index);
}

// Forget entries whose files the browser no longer has (storage cleared or evicted).
export async function prune() {
  if (!("caches" in self)) return;
  const cache = await caches.open(CACHE);
  const index = read();
  let dropped = false;
  for (const [name, entry] of Object.entries(index)) {
    if (!(await cache.match(entry.urls[0]))) {
      delete index[name];
      dropped = true;
    }
  }
  if (dropped) write(index);
}

export async function usage() {
  const total = list().reduce((sum, entry) => sum + entry.bytes, 0);
  const estimate = (await navigator.storage?.estimate?.().catch(() => null)) || {};
  const persisted = (await navigator.storage?.persisted?.().catch(() => false)) || false;
  return { total, quota: estimate.quota || null, persisted };
}
