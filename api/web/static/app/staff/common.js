// What the editor's and admin's screens share: the signed-in line, the script being worked
// on (remembered for the tabs), a script's own navigation, and words for states.

import * as api from "../api.js";
import { h, when } from "../ui.js";

const CURRENT = "interlude.editing";

export const STATUS = {
  draft: "Draft",
  rendering: "Rendering",
  rendered: "Rendered, not published",
  failed: "Render failed",
  published: "Published",
};

// The script and version last opened, so "Recordings" and "Render and publish" open it.
export function remember(slug, number) {
  sessionStorage.setItem(CURRENT, JSON.stringify({ slug, number }));
}

export function remembered() {
  try {
    return JSON.parse(sessionStorage.getItem(CURRENT) || "null");
  } catch {
    return null;
  }
}

// Links between the three screens of one version.
export function scriptNav(slug, number, current) {
  const items = [
    ["script", "Script"],
    ["recordings", "Recordings"],
    ["publish", "Render and publish"],
  ];
  return h(
    "nav",
    { class: "script-nav", "aria-label": `Version ${number} of ${slug}` },
    h(
      "ul",
      {},
      items.map(([screen, label]) =>
        h(
          "li",
          {},
          h(
            "a",
            {
              href: `#/${screen}/${encodeURIComponent(slug)}/${number}`,
              "aria-current": screen === current ? "page" : null,
            },
            label,
          ),
        ),
      ),
    ),
  );
}

export function statusBadge(status) {
  return h("span", { class: `badge status-${status}` }, STATUS[status] || status);
}

// " by Robin (robin@…)", or nothing when no account is recorded (the content sync, an
// account since erased).
export function by(person) {
  if (!person) return "";
  return ` by ${person.display_name ? `${person.display_name} (${person.email})` : person.email}`;
}

export function at(iso) {
  return iso ? when(iso) : "";
}

// A screen that needs a script when none was chosen: say so and link to the list.
export function chooseFirst(main, title) {
  main.append(
    h(
      "section",
      { class: "view staff-view" },
      h("h1", {}, title),
      h("p", {}, "Choose a script first. ", h("a", { href: "#/scripts" }, "See all scripts"), "."),
    ),
  );
}

// The version to show: from the address, else the one remembered, else the newest.
export async function resolveVersion(context, slug, number) {
  if (slug && number) return { slug, number: Number(number) };
  const last = remembered();
  if (!slug && last) return last;
  if (!slug) return null;
  const list = await api.versions(slug);
  return list.length ? { slug, number: list[0].version } : null;
}

export function seconds(ms) {
  const total = Math.round(ms / 1000);
  const m = Math.floor(total / 60);
  const s = total % 60;
  return m ? `${m} min ${String(s).padStart(2, "0")} s` : `${s} s`;
}

// When a screen's data cannot be loaded: say so in words, with a way on.
export function cannotLoad(main, title, error) {
  const reason = error.status === 404
    ? "This script or version does not exist (any more)."
    : `It could not be loaded: ${error.message}`;
  main.replaceChildren(
    h(
      "section",
      { class: "view staff-view" },
      h("h1", {}, title),
      h("p", { class: "form-message error", role: "alert" }, reason, " ", h("a", { href: "#/scripts" }, "See all scripts"), "."),
    ),
  );
}
