// The shell: the router, the session, the status line (offline, waiting practices, a new
// version), the service worker, and when the outbox is flushed.

import * as api from "./api.js";
import * as downloads from "./downloads.js";
import * as outbox from "./outbox.js";
import { h } from "./ui.js";

const screens = {
  welcome: () => import("./views/signin.js").then((m) => m.welcome),
  signin: () => import("./views/signin.js").then((m) => m.signin),
  forgot: () => import("./views/reset.js").then((m) => m.forgot),
  reset: () => import("./views/reset.js").then((m) => m.reset),
  today: () => import("./views/today.js").then((m) => m.today),
  library: () => import("./views/library.js").then((m) => m.library),
  play: () => import("./views/player.js").then((m) => m.player),
  progress: () => import("./views/progress.js").then((m) => m.progress),
  therapists: () => import("./views/therapists.js").then((m) => m.therapists),
  account: () => import("./views/account.js").then((m) => m.account),
  support: () => import("./views/support.js").then((m) => m.support),
  agenda: () => import("./views/agenda.js").then((m) => m.agenda),
  reminders: () => import("./views/reminders.js").then((m) => m.reminders),
};
// Therapists, editors and admins: each role's module in staff/ (loaded only for that role, and
// never precached on a client's phone) exports `home` (a screen name), `tabs` ([{screen,
// label}], the navigation) and `screens` (name → loader, as above).
const STAFF = {
  therapist: () => import("./staff/therapist.js"),
  editor: () => import("./staff/editor.js"),
  admin: () => import("./staff/admin.js"),
};
const PUBLIC = new Set(["welcome", "signin", "support", "forgot", "reset"]);
// Screens without typing on them may be drawn again when the service worker has fresher data.
const REDRAWN = new Set(["today", "library", "progress", "support"]);

const app = {
  user: api.profile(),
  screen: null,
  leave: null,
  practising: false,
  update: null,
  note: null, // a sentence for the sign-in screen (why the person is there)
  after: null, // where a signed-out person was going (an invitation link), for after sign-in
  flushError: null,
  waiting: 0,
};

// What every screen may use.
const context = {
  get user() {
    return app.user;
  },
  signedIn(user) {
    app.user = user;
    app.note = null;
    flush();
  },
  // Where to go once signed in: where the person was headed, else the role's first screen.
  takeDestination() {
    const hash = app.after;
    app.after = null;
    return hash || "#/";
  },
  takeNote() {
    const note = app.note;
    app.note = null;
    return note;
  },
  // While a practice runs, a new version waits; it takes over at the next screen.
  practising(active) {
    app.practising = active;
    status();
  },
  record: async (practice) => {
    await outbox.add(app.user.id, practice);
    return flush();
  },
  flush: () => flush(),
  go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
};

// Router -----------------------------------------------------------------------------------

let first = true;
let turn = 0;

async function route() {
  const mine = ++turn;
  const [path, search = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [name = "", ...params] = path.split("/").map(decodeURIComponent);
  const role = staffRole();
  const own = role ? await STAFF[role]() : null;
  const home = own ? own.home : "today";
  let screen = name || (app.user ? home : "welcome");
  if (!app.user && !PUBLIC.has(screen)) {
    if (name) app.after = location.hash; // e.g. an invitation's link: back to it after sign-in
    screen = "welcome";
  }
  else if (app.user && (screen === "welcome" || screen === "signin")) screen = home;
  // A client's screen (Today after signing in, the brand's link) is a staff role's home.
  else if (own && !PUBLIC.has(screen) && !own.screens[screen] && screen in screens) screen = home;
  const load = own && !PUBLIC.has(screen) ? own.screens[screen] : screens[screen];
  if (app.leave) {
    await app.leave();
    app.leave = null;
  }
  const main = document.getElementById("view");
  const render = load ? await load() : notFound;
  if (mine !== turn) return; // another route began meanwhile
  main.replaceChildren();
  app.screen = screen;
  app.leave = (await render(main, params, context, new URLSearchParams(search))) || null;
  const tabs = navigation(own);
  const tab = { play: "library", agenda: "today", reminders: "account", client: "clients", summary: "clients" }[screen] || screen;
  for (const link of tabs.querySelectorAll("a")) {
    if (link.dataset.tab === tab) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const heading = main.querySelector("h1");
  document.title = heading ? `${heading.textContent} · Interlude` : "Interlude";
  if (!first) {
    window.scrollTo(0, 0);
    main.focus({ preventScroll: true });
  }
  first = false;
  applyUpdate();
}

function staffRole() {
  const role = app.user?.role;
  return role && role in STAFF ? role : null;
}

// The client's tabs are in the page; a staff role's are drawn from its module.
function navigation(own) {
  const client = document.getElementById("tabs");
  const staff = document.getElementById("staff-tabs");
  document.body.dataset.role = app.user ? app.user.role : "";
  client.hidden = !app.user || Boolean(own);
  staff.hidden = !own;
  if (!own) return client;
  if (staff.dataset.for !== app.user.role) {
    staff.dataset.for = app.user.role;
    const signOut = h("button", { type: "button", class: "quiet" }, "Sign out");
    signOut.addEventListener("click", () => api.signOut());
    staff.replaceChildren(
      ...own.tabs.map(({ screen, label }) => h("a", { href: `#/${screen}`, "data-tab": screen }, label)),
      h("span", { class: "signed-in" }, app.user.display_name || app.user.email, signOut),
    );
  }
  return staff;
}

function notFound(main) {
  main.append(document.getElementById("t-notfound").content.firstElementChild.cloneNode(true));
}

// Status line --------------------------------------------------------------------------------

async function status() {
  const lines = [];
  if (!window.isSecureContext) {
    lines.push("This address is not secure (no https), so Interlude cannot stay signed in or work offline here.");
  }
  if (!navigator.onLine) {
    lines.push("You are offline. Downloaded practices still play, and what you record is kept on this phone.");
  }
  app.waiting = app.user ? (await outbox.waiting(app.user.id)).length : 0;
  if (app.waiting) {
    lines.push(
      app.waiting === 1
        ? "1 practice is waiting to be sent. It is safe on this phone."
        : `${app.waiting} practices are waiting to be sent. They are safe on this phone.`,
    );
  }
  if (app.update && app.practising) {
    lines.push("A new version of Interlude is ready. It will start when you finish this practice.");
  }
  const bar = document.getElementById("status");
  bar.replaceChildren(...lines.map((line) => h("p", {}, line)));
}

// Outbox -------------------------------------------------------------------------------------

let retry = null;
let retryDelay = 30_000;

async function flush() {
  if (!app.user) return null;
  clearTimeout(retry);
  const outcome = await outbox.flush(app.user.id, api.syncPractices);
  if (outcome.error) {
    // Kept for later: try again after a while, and at the next start, online or visible.
    retry = setTimeout(flush, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 300_000);
  } else {
    retryDelay = 30_000;
  }
  status();
  return outcome;
}

// Service worker and updates -------------------------------------------------------------------

let tookOver = false;

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  const policy = window.trustedTypes?.createPolicy("interlude", {
    createScriptURL: (url) => {
      if (url !== "/sw.js") throw new TypeError(`Not Interlude's service worker: ${url}`);
      return url;
    },
  });
  const script = policy ? policy.createScriptURL("/sw.js") : "/sw.js";
  // Listened for before registering: a message that comes while register() is pending is lost.
  navigator.serviceWorker.addEventListener("message", (event) => {
    // A tapped reminder: the worker asks an open window to show the practice.
    if (event.data?.type === "open" && /^#\/play\//.test(event.data.hash || "")) return context.go(event.data.hash);
    if (event.data?.type !== "refreshed" || !REDRAWN.has(app.screen)) return;
    if (document.activeElement?.matches("input, select, textarea")) return;
    route();
  });
  const registration = await navigator.serviceWorker.register(script, { scope: "/", updateViaCache: "none" });
  const waitFor = (worker) => {
    worker.addEventListener("statechange", () => {
      if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(worker);
    });
  };
  if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
  if (registration.installing) waitFor(registration.installing);
  registration.addEventListener("updatefound", () => waitFor(registration.installing));
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (tookOver) location.reload();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") registration.update().catch(() => {});
  });
}

function offerUpdate(worker) {
  app.update = worker;
  applyUpdate();
}

// A new version takes over between practices, never during one.
function applyUpdate() {
  if (!app.update || app.practising) {
    status();
    return;
  }
  tookOver = true;
  app.update.postMessage({ type: "take-over" });
}

// Start --------------------------------------------------------------------------------------

async function resume() {
  try {
    app.user = await api.resume();
  } catch (error) {
    if (!(error instanceof api.Offline)) console.warn("Could not resume the session:", error.message);
    return;
  }
  flush();
}

function start() {
  api.onSessionEnd((reason) => {
    app.user = null;
    app.note = {
      ended: "Your session has ended, so please sign in again. Anything you recorded is kept on this phone.",
      erased: "Your account and everything in it has been erased.",
      "signed-out": "You have signed out.",
    }[reason];
    context.go(reason === "ended" ? "#/signin" : "#/welcome");
  });
  window.addEventListener("hashchange", route);
  window.addEventListener("online", () => {
    status();
    flush();
  });
  window.addEventListener("offline", status);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") flush();
  });
  outbox.onChange(status);
  route();
  status();
  if (app.user) resume();
  downloads.prune().catch(() => {});
  registerWorker().catch((error) => console.warn("No offline support:", error.message));
}

start();
