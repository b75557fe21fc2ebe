// Every request to the API, and the session's tokens.
//
// The refresh token is an HttpOnly, Secure, SameSite=Strict cookie that the browser sends only
// to /api/v1/auth/refresh: no script on this page, ours or injected, can read it. The access
// token (an hour at most) lives only in this module's memory; a reload gets a new one from the
// cookie. The profile (not a secret) is kept in localStorage so the app opens offline.

const API = "/api/v1";
const PROFILE = "interlude.profile";
export const PERSONAL_CACHE = "interlude-personal";

let access = null;
let accessUntil = 0;
let refreshing = null;
let signingOut = false;
const sessionListeners = new Set();

export class ApiError extends Error {
  constructor(status, body, headers) {
    super(body?.message || `The server answered ${status}.`);
    this.status = status;
    this.body = body || {};
    this.retryAfter = Number(headers?.get?.("Retry-After")) || null;
  }

  // {field: "message"} from the API's {errors: {json: {field: [messages]}}}
  get fields() {
    const found = {};
    for (const [name, messages] of Object.entries(this.body.errors?.json || {})) {
      found[name] = [].concat(messages).map(String).join(" ");
    }
    return found;
  }
}

// No answer at all: offline, or the server is unreachable.
export class Offline extends Error {
  constructor() {
    super("No connection.");
  }
}

// Session ------------------------------------------------------------------------------------

export function profile() {
  try {
    return JSON.parse(localStorage.getItem(PROFILE) || "null");
  } catch {
    return null;
  }
}

function keepProfile(me) {
  localStorage.setItem(PROFILE, JSON.stringify(me));
}

// fn(reason): "ended" (the server refused the session) or "signed-out"
export function onSessionEnd(fn) {
  sessionListeners.add(fn);
}

async function endSession(reason) {
  access = null;
  accessUntil = 0;
  localStorage.removeItem(PROFILE);
  await caches.delete(PERSONAL_CACHE).catch(() => {});
  if (signingOut && reason === "ended") return; // signOut() says its own word
  for (const fn of sessionListeners) fn(reason);
}

function keepTokens(tokens) {
  access = tokens.access_token;
  accessUntil = Date.now() + tokens.expires_in * 1000;
}

// One refresh at a time, across tabs too: the server treats two uses of one refresh token as
// theft and ends the sign-in everywhere.
export function refresh() {
  refreshing ||= withLock("interlude-refresh", refreshOnce).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function refreshOnce() {
  let response;
  try {
    response = await fetch(`${API}/auth/refresh`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
      credentials: "same-origin",
    });
  } catch {
    throw new Offline();
  }
  const body = await response.json().catch(() => null);
  if (response.status === 401) {
    await endSession("ended");
    throw new ApiError(401, body, response.headers);
  }
  if (!response.ok) throw new ApiError(response.status, body, response.headers);
  keepTokens(body);
}

function withLock(name, fn) {
  return navigator.locks ? navigator.locks.request(name, fn) : fn();
}

async function accessToken() {
  if (!access || Date.now() > accessUntil - 60_000) await refresh();
  return access;
}

// Requests -----------------------------------------------------------------------------------

async function send(path, { method = "GET", body, auth = true, query } = {}) {
  const url = new URL(API + path, location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const init = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const attempt = async () => {
    if (auth) init.headers.Authorization = `Bearer ${await accessToken()}`;
    try {
      return await fetch(url, init);
    } catch {
      throw new Offline();
    }
  };
  let response = await attempt();
  if (response.status === 401 && auth) {
    access = null; // expired, or rotated by another tab: refresh once and try again
    response = await attempt();
  }
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    throw new ApiError(response.status, data, response.headers);
  }
  return response;
}

async function json(path, options) {
  const response = await send(path, options);
  return response.status === 204 ? null : response.json();
}

// Accounts -----------------------------------------------------------------------------------

export async function signIn(email, password) {
  const tokens = await json("/auth/token", {
    method: "POST",
    auth: false,
    body: { email, password, refresh_cookie: true },
  });
  keepTokens(tokens);
  await caches.delete(PERSONAL_CACHE).catch(() => {});
  return loadProfile();
}

// Register answers 202 with the same message whether or not the address has an account, and
// no token; a sign-in with the same email and password follows at once.
// A failed sign-in then is marked `afterRegister`, so the screen can say what may be going on.
export async function signUp({ email, password, display_name, timezone }) {
  await send("/auth/register", {
    method: "POST",
    auth: false,
    body: { email, password, timezone, ...(display_name ? { display_name } : {}) },
  });
  try {
    return await signIn(email, password);
  } catch (error) {
    error.afterRegister = true;
    throw error;
  }
}

// "Forgot your password?": the answer is the same whether or not the address has an account.
export const requestPasswordReset = (email) =>
  json("/auth/password-reset", { method: "POST", auth: false, body: { email } });
export const confirmPasswordReset = (token, password) =>
  json("/auth/password-reset/confirm", { method: "POST", auth: false, body: { token, password } });

export async function loadProfile() {
  const me = await json("/me");
  keepProfile(me);
  return me;
}

// On start: get an access token from the cookie. Offline keeps the saved profile.
export async function resume() {
  await refresh();
  return loadProfile();
}

export async function signOut() {
  signingOut = true;
  try {
    await send("/auth/logout", { method: "POST" });
  } catch {
    // Offline or already ended: the session is forgotten here either way.
  } finally {
    signingOut = false;
  }
  await endSession("signed-out");
}

export const updateProfile = (changes) => json("/me", { method: "PATCH", body: changes }).then((me) => {
  keepProfile(me);
  return me;
});

export const changePassword = (current_password, new_password) =>
  json("/me/password", { method: "POST", body: { current_password, new_password } });

export async function exportData() {
  const response = await send("/me/export");
  return response.blob();
}

export async function eraseAccount(password) {
  await json("/me", { method: "DELETE", body: { password } });
  await endSession("erased");
}

// Catalog and audio (public) -------------------------------------------------------------------

export async function catalog() {
  const items = [];
  for (let page = 1; page < 100; page += 1) {
    const response = await send("/exercises", { auth: false, query: { page, page_size: 100 } });
    items.push(...(await response.json()));
    const pages = JSON.parse(response.headers.get("X-Pagination") || "{}");
    if (!pages.next_page) break;
  }
  return items;
}

export const exercise = (slug) => json(`/exercises/${encodeURIComponent(slug)}`, { auth: false });

export async function timeline(url) {
  const response = await fetch(url);
  if (!response.ok) throw new ApiError(response.status, null, response.headers);
  return response.json();
}

// A file to keep for offline use (audio, captions, timeline), as the Response to store.
export async function fetchForKeeping(url) {
  let response;
  try {
    response = await fetch(url, { credentials: "omit" });
  } catch {
    throw new Offline();
  }
  if (!response.ok) throw new ApiError(response.status, null, response.headers);
  return response;
}

export const support = () => json("/support", { auth: false });

// Editing and administration (editors and admins) -----------------------------------------------

const version = (slug, number) => `/exercises/${encodeURIComponent(slug)}/versions/${number}`;

export const scripts = () => json("/scripts", { query: { page_size: 100 } });
export const versions = (slug) =>
  json(`/exercises/${encodeURIComponent(slug)}/versions`, { query: { page_size: 100 } });
export const versionDetail = (slug, number) => json(version(slug, number));
export const draftExercise = (slug, number) =>
  json(`/exercises/${encodeURIComponent(slug)}`, { query: { version: number } });

// {ok: true, warnings, durations} or {ok: false, problems: [{line, column, message}]}
export async function validateScript(source) {
  try {
    const checked = await json("/scripts/validate", { method: "POST", body: { source } });
    return { ok: true, ...checked };
  } catch (error) {
    const problems = error.body?.errors?.json?.source;
    if (error.status === 422 && Array.isArray(problems)) {
      return { ok: false, problems: problems.map((p) => (typeof p === "string" ? { line: 1, column: 1, message: p } : p)) };
    }
    throw error;
  }
}

export const saveScript = (source) => json("/scripts", { method: "POST", body: { source } });
export const render = (slug, number) => json(`${version(slug, number)}/render`, { method: "POST" });
export const job = (id) => json(`/jobs/${id}`);
export const publish = (slug, number) => json(`${version(slug, number)}/publish`, { method: "POST" });
export const removeRecording = (slug, number, segment) =>
  json(`${version(slug, number)}/recordings/${encodeURIComponent(segment)}`, { method: "DELETE" });

// A file only editors may fetch (a draft's audio, captions, a recording), as a Blob.
export async function privateBlob(url) {
  const response = await send(url.replace(/^\/api\/v1/, ""));
  return response.blob();
}

// Upload a recording with progress: onProgress(fraction) as the bytes go out. Resolves with
// the recording; rejects with ApiError or Offline.
export async function uploadRecording(slug, number, segment, file, onProgress) {
  const url = `${API}${version(slug, number)}/recordings/${encodeURIComponent(segment)}`;
  const attempt = async () => {
    const token = await accessToken();
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("PUT", url);
      request.setRequestHeader("Authorization", `Bearer ${token}`);
      request.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      });
      request.addEventListener("load", () => resolve(request));
      request.addEventListener("error", () => reject(new Offline()));
      const form = new FormData();
      form.append("file", file, file.name);
      request.send(form);
    });
  };
  let request = await attempt();
  if (request.status === 401) {
    access = null;
    request = await attempt();
  }
  let body = null;
  try {
    body = JSON.parse(request.responseText);
  } catch {
    body = null;
  }
  if (request.status >= 400) throw new ApiError(request.status, body, { get: (name) => request.getResponseHeader(name) });
  return body;
}

export const staff = (query) => json("/admin/users", { query: { page_size: 100, ...query } });
export const createAccount = (account) => json("/admin/users", { method: "POST", body: account });
export const disableAccount = (id) => json(`/admin/users/${id}/disable`, { method: "POST" });
export const enableAccount = (id) => json(`/admin/users/${id}/enable`, { method: "POST" });

// Practice log ---------------------------------------------------------------------------------

export const syncPractices = (practices) =>
  json("/me/practices/sync", { method: "POST", body: { practices } });

export const practices = (query) => json("/me/practices", { query });
export const stats = () => json("/me/stats");
export const plan = () => json("/me/plan");
export const prescriptions = () => json("/me/prescriptions", { query: { page_size: 100 } });

// Care -------------------------------------------------------------------------------------------

export const therapists = () => json("/me/therapists", { query: { page_size: 100 } });

export const acceptInvitation = (code, sharing) =>
  json(`/invitations/${encodeURIComponent(code)}/accept`, { method: "POST", body: sharing });

export const updateSharing = (therapistId, sharing) =>
  json(`/me/therapists/${therapistId}`, { method: "PATCH", body: sharing });

export const endLink = (therapistId) => json(`/me/therapists/${therapistId}`, { method: "DELETE" });

export const accessLog = () => json("/me/access-log", { query: { page_size: 50 } });

// The client's agenda (things to bring to the next session) ----------------------------------

export const agenda = () => json("/me/agenda");
export const addAgendaItem = (item) => json("/me/agenda", { method: "POST", body: item });
export const updateAgendaItem = (id, changes) => json(`/me/agenda/${id}`, { method: "PATCH", body: changes });
export const deleteAgendaItem = (id) => json(`/me/agenda/${id}`, { method: "DELETE" });

// The therapist's reads and writes (staff/*.js); each read is in the client's access log -------

// With `email`, the API also mails the invitation there (a 422 for an address it cannot use).
export const createInvitation = (email) => json("/invitations", { method: "POST", body: email ? { email } : undefined });
export const clients = () => json("/clients", { query: { page_size: 100 } });
export const client = (id) => json(`/clients/${id}`);
export const clientAdherence = (id, weeks) => json(`/clients/${id}/adherence`, { query: { weeks } });
export const clientPractices = (id, query) => json(`/clients/${id}/practices`, { query });
export const clientPrescriptions = (id) => json(`/clients/${id}/prescriptions`, { query: { page_size: 100 } });
export const prescribe = (id, body) => json(`/clients/${id}/prescriptions`, { method: "POST", body });
export const updatePrescription = (id, changes) => json(`/prescriptions/${id}`, { method: "PATCH", body: changes });
export const endPrescription = (id) => json(`/prescriptions/${id}`, { method: "DELETE" });
export const sessionSummary = (id, range) => json(`/clients/${id}/summary`, { query: range });

// Reminders (Web Push) ---------------------------------------------------------------------------

export const pushKey = () => json("/push/public-key").then((answer) => answer.public_key);
export const pushDevices = () => json("/me/push-subscriptions");
export const addPushDevice = (subscription) =>
  json("/me/push-subscriptions", { method: "POST", body: subscription });
export const removePushDevice = (id) => json(`/me/push-subscriptions/${id}`, { method: "DELETE" });
export const reminderSettings = () => json("/me/reminders");
export const updateReminderSettings = (changes) => json("/me/reminders", { method: "PATCH", body: changes });
