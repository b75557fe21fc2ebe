// The catalog, filtered here (so it works offline too) by kind, length, language and words.

import * as api from "../api.js";
import * as downloads from "../downloads.js";
import { byField, byRole, clone, fill, h, kindName, minutes } from "../ui.js";

const FILTERS = "interlude.filters";

export async function library(main) {
  const view = clone("t-library");
  const form = view.querySelector("form");
  const list = byRole(view, "list");
  main.append(view);

  let items;
  try {
    items = await api.catalog();
  } catch (error) {
    byRole(view, "count").textContent =
      error instanceof api.Offline
        ? "The library is not on this phone yet. It will appear once you are online."
        : "The library could not be loaded just now. Please try again in a moment.";
    return;
  }
  const kinds = [...new Set(items.map((item) => item.kind))].sort();
  for (const kind of kinds) form.elements.kind.append(h("option", { value: kind }, kindName(kind)));
  const languages = [...new Set(items.flatMap((item) => item.languages))].sort();
  if (languages.length > 1) {
    byRole(view, "language").hidden = false;
    for (const language of languages) {
      form.elements.language.append(h("option", { value: language }, languageName(language)));
    }
  }
  const saved = JSON.parse(sessionStorage.getItem(FILTERS) || "{}");
  for (const [name, value] of Object.entries(saved)) if (form.elements[name]) form.elements[name].value = value;

  const draw = () => {
    const chosen = Object.fromEntries(new FormData(form).entries());
    sessionStorage.setItem(FILTERS, JSON.stringify(chosen));
    const shown = items.filter((item) => matches(item, chosen));
    list.replaceChildren(...shown.map(card));
    byRole(view, "empty").hidden = shown.length > 0;
    byRole(view, "count").textContent =
      shown.length === items.length ? `${items.length} practices` : `${shown.length} of ${items.length} practices`;
  };
  form.addEventListener("input", draw);
  form.addEventListener("submit", (event) => event.preventDefault());
  draw();
}

function matches(item, { q = "", kind = "", max = "", language = "" }) {
  if (kind && item.kind !== kind) return false;
  if (language && !item.languages.includes(language)) return false;
  if (max && !item.lengths.some((length) => length <= Number(max))) return false;
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const text = `${item.title} ${item.summary} ${kindName(item.kind)}`.toLowerCase();
  return words.every((word) => text.includes(word));
}

function card(item) {
  const node = clone("t-card");
  const offline = new Set(downloads.lengthsOffline(item.slug));
  fill(node, { title: item.title, kind: kindName(item.kind), summary: item.summary });
  const link = byField(node, "title");
  link.href = `#/play/${encodeURIComponent(item.slug)}/${item.lengths[0]}`;
  const lengths = byField(node, "lengths");
  lengths.setAttribute("aria-label", `Lengths of ${item.title}`);
  for (const length of item.lengths) {
    const label = offline.has(length) ? `${minutes(length)}, available offline` : minutes(length);
    const visible = offline.has(length) ? [`${length} min `, h("span", { class: "offline-mark" }, "· offline")] : [`${length} min`];
    lengths.append(
      h("li", {}, h("a", { class: "button", href: `#/play/${encodeURIComponent(item.slug)}/${length}`, "aria-label": label }, ...visible)),
    );
  }
  return node;
}

function languageName(code) {
  try {
    return new Intl.DisplayNames([navigator.language], { type: "language" }).of(code) || code;
  } catch {
    return code;
  }
}
