// The DOM is touched through these helpers: screens are cloned from <template>s in
// index.html and filled with text (textContent), never with markup.

export function clone(id) {
  return document.getElementById(id).content.firstElementChild.cloneNode(true);
}

export const byRole = (root, name) => root.querySelector(`[data-role="${name}"]`);
export const byField = (root, name) => root.querySelector(`[data-field="${name}"]`);
export const byAction = (root, name) => root.querySelector(`[data-action="${name}"]`);

export function fill(root, values) {
  for (const [name, value] of Object.entries(values)) {
    const node = byField(root, name);
    if (node) node.textContent = value ?? "";
  }
}

// h("li", {class: "x", "data-id": 1}, "text", child) — attributes by setAttribute, text as text.
export function h(tag, attributes = {}, ...children) {
  const svg = ["svg", "line", "polyline", "circle", "text", "g", "title"].includes(tag);
  const node = svg
    ? document.createElementNS("http://www.w3.org/2000/svg", tag)
    : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function show(node, visible = true) {
  node.hidden = !visible;
}

// Forms -------------------------------------------------------------------------------------

export function values(form) {
  return Object.fromEntries(new FormData(form).entries());
}

export function clearErrors(form) {
  for (const node of form.querySelectorAll("[data-error]")) {
    node.hidden = true;
    node.textContent = "";
  }
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    unlinkError(input);
  }
  say(form, "");
}

// Field errors next to their fields (linked for screen readers); the rest as the form's message.
export function showErrors(form, fields, fallback) {
  let first = null;
  const rest = [];
  for (const [name, text] of Object.entries(fields || {})) {
    const slot = form.querySelector(`[data-error="${name}"]`);
    const input = form.elements.namedItem(name);
    if (!slot || !input) {
      rest.push(text);
      continue;
    }
    slot.id ||= `${input.id}-error`;
    slot.textContent = text;
    slot.hidden = false;
    input.setAttribute("aria-invalid", "true");
    const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (!described.includes(slot.id)) described.push(slot.id);
    input.setAttribute("aria-describedby", described.join(" "));
    first ||= input;
  }
  if (rest.length || !first) say(form, rest.length ? rest.join(" ") : fallback, "error");
  (first || form.querySelector("input, button"))?.focus();
}

function unlinkError(input) {
  const described = (input.getAttribute("aria-describedby") || "")
    .split(" ")
    .filter((id) => id && !id.endsWith("-error"));
  if (described.length) input.setAttribute("aria-describedby", described.join(" "));
  else input.removeAttribute("aria-describedby");
}

export function say(form, text, kind = "info") {
  const node = byRole(form, "message");
  if (!node) return;
  node.textContent = text || "";
  node.hidden = !text;
  node.classList.toggle("error", kind === "error");
  if (text) node.setAttribute("role", kind === "error" ? "alert" : "status");
}

// Disable a form's submit button while `work` runs.
export async function busy(form, work) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    await work();
  } finally {
    button.disabled = false;
    form.removeAttribute("aria-busy");
  }
}

// A 0–10 mood scale of labelled radios.
export function moodScale(container, name, describedBy) {
  for (let value = 0; value <= 10; value += 1) {
    const input = h("input", { type: "radio", name, value, "aria-describedby": describedBy });
    container.append(h("label", {}, input, h("span", { "aria-hidden": "true" }, String(value))));
    input.setAttribute("aria-label", String(value));
  }
}

export function chosen(root, name) {
  const input = root.querySelector(`input[name="${name}"]:checked`);
  return input ? Number(input.value) : null;
}

// Words -------------------------------------------------------------------------------------

export function minutes(count) {
  return count === 1 ? "1 minute" : `${count} minutes`;
}

export function clock(seconds) {
  const whole = Math.max(0, Math.floor(seconds || 0));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

export function spokenTime(seconds) {
  const whole = Math.max(0, Math.round(seconds || 0));
  const m = Math.floor(whole / 60);
  const s = whole % 60;
  const parts = [];
  if (m) parts.push(m === 1 ? "1 minute" : `${m} minutes`);
  if (s || !m) parts.push(s === 1 ? "1 second" : `${s} seconds`);
  return parts.join(" ");
}

export function day(iso) {
  return new Date(iso).toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" });
}

export function when(iso) {
  return new Date(iso).toLocaleString(undefined, {
    day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
  });
}

export function megabytes(bytes) {
  return bytes < 1e6 ? `${Math.max(1, Math.round(bytes / 1e3))} KB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

export function wait(seconds) {
  if (!seconds || seconds < 60) return "a minute";
  const m = Math.ceil(seconds / 60);
  return m < 60 ? `${m} minutes` : "an hour or so";
}

export const KINDS = {
  mindfulness: "Mindfulness",
  breathing: "Breathing",
  "self-compassion": "Self-compassion",
  "body-scan": "Body scan",
  grounding: "Grounding",
  sleep: "Sleep",
};

export const kindName = (kind) => KINDS[kind] || kind;
