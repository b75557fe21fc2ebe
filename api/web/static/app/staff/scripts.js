// Scripts: every exercise, drafts too, with its latest version and what clients get now.

import * as api from "../api.js";
import { h, kindName } from "../ui.js";
import { at, statusBadge } from "./common.js";

export async function scripts(main) {
  const list = h("tbody");
  const table = h(
    "table",
    { class: "staff-table" },
    h("caption", { class: "sr-only" }, "Scripts"),
    h(
      "thead",
      {},
      h("tr", {}, ["Title", "Kind", "Latest version", "Clients get", "Saved", "Work on it"].map((t) => h("th", { scope: "col" }, t))),
    ),
    list,
  );
  const message = h("p", { class: "form-message", role: "status" });
  main.append(
    h(
      "section",
      { class: "view staff-view" },
      h("div", { class: "heading-row" }, h("h1", {}, "Scripts"), h("a", { class: "button primary", href: "#/script/new" }, "New script")),
      h("p", { class: "lead" }, "Each exercise is written once as a script, rendered into every length, listened to, then published."),
      message,
      table,
    ),
  );
  let rows;
  try {
    rows = await api.scripts();
  } catch (error) {
    message.textContent = `The scripts could not be loaded: ${error.message}`;
    return;
  }
  if (!rows.length) {
    message.textContent = "No scripts yet. Start with a new one.";
    table.hidden = true;
    return;
  }
  for (const row of rows) {
    const slug = encodeURIComponent(row.slug);
    list.append(
      h(
        "tr",
        {},
        h("th", { scope: "row" }, h("a", { href: `#/script/${slug}/${row.latest_version}` }, row.title), h("span", { class: "slug" }, row.slug)),
        h("td", {}, kindName(row.kind)),
        h("td", {}, `${row.latest_version} · `, statusBadge(row.status)),
        h("td", {}, row.published_version ? `Version ${row.published_version}` : "Not published yet"),
        h("td", {}, at(row.updated_at)),
        h(
          "td",
          {},
          h(
            "div",
            { class: "row-actions" },
            h("a", { href: `#/recordings/${slug}/${row.latest_version}`, "aria-label": `Recordings of ${row.title}` }, "Recordings"),
            h("a", { href: `#/publish/${slug}/${row.latest_version}`, "aria-label": `Render and publish ${row.title}` }, "Render and publish"),
          ),
        ),
      ),
    );
  }
}
