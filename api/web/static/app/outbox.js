// Practices recorded on this device, kept in IndexedDB until the server has them.
//
// Each item keeps the UUID made when the practice started, so sending it twice (two tabs, a
// lost answer, a reload) records it once. An item leaves the outbox only when its own answer
// says created or duplicate; a network error or a 5xx keeps it for the next flush; invalid
// or conflict sets it aside, with the reason, for the person to see.

const DB = "interlude";
const STORE = "outbox";
const BATCH = 500;
const listeners = new Set();
let database = null;

function open() {
  database ||= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => {
      const store = request.result.createObjectStore(STORE, { keyPath: "id" });
      store.createIndex("user", "user");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return database;
}

async function transact(mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const result = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(result?.result ?? result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export function onChange(fn) {
  listeners.add(fn);
}

function changed() {
  for (const fn of listeners) fn();
}

export async function items(user) {
  return transact("readonly", (store) => store.index("user").getAll(user));
}

export async function waiting(user) {
  return (await items(user)).filter((item) => item.state === "waiting");
}

export async function setAside(user) {
  return (await items(user)).filter((item) => item.state === "set-aside");
}

export async function add(user, practice) {
  await transact("readwrite", (store) =>
    store.put({ id: practice.id, user, body: practice, state: "waiting", queued_at: Date.now() }),
  );
  changed();
}

export async function remove(id) {
  await transact("readwrite", (store) => store.delete(id));
  changed();
}

// Send what is waiting through `sync` (POST /me/practices/sync). Returns {sent, kept, error}.
let flushing = null;
let again = false;

export function flush(user, sync) {
  if (flushing) {
    again = true; // something new arrived while a flush was under way: one more pass after it
    return flushing;
  }
  flushing = (async () => {
    let outcome;
    do {
      again = false;
      outcome = await withLock(() => flushOnce(user, sync));
    } while (again && !outcome.error);
    return outcome;
  })().finally(() => {
    flushing = null;
  });
  return flushing;
}

function withLock(fn) {
  return navigator.locks ? navigator.locks.request("interlude-outbox", fn) : fn();
}

async function flushOnce(user, sync) {
  const queue = await waiting(user);
  let sent = 0;
  for (let start = 0; start < queue.length; start += BATCH) {
    const batch = queue.slice(start, start + BATCH);
    let answer;
    try {
      answer = await sync(batch.map((item) => item.body));
    } catch (error) {
      changed();
      return { sent, kept: queue.length - sent, error };
    }
    await transact("readwrite", (store) => {
      answer.results.forEach((result, index) => {
        const item = batch[index];
        if (!item || result.id !== item.id) return; // not ours: keep it for the next pass
        if (result.status === "created" || result.status === "duplicate") {
          store.delete(item.id);
        } else if (result.status === "invalid" || result.status === "conflict") {
          store.put({ ...item, state: "set-aside", status: result.status, errors: result.errors || {} });
        }
      });
    });
    sent += batch.length;
  }
  if (queue.length) changed();
  return { sent, kept: 0, error: null };
}

// Words for a set-aside item, from its per-field errors.
export function reason(item) {
  if (item.status === "conflict") {
    return "A practice with the same identity was already saved with different details.";
  }
  const messages = Object.entries(item.errors || {}).map(([field, texts]) => {
    const text = [].concat(texts).join(" ");
    return field === "_schema" ? text : `${field.replace(/_/g, " ")}: ${text}`;
  });
  return messages.join(" ") || "The server could not accept it.";
}
