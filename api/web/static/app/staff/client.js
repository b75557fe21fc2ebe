// One client: per-week adherence for each prescription as a heatmap, mood before and after
// (only when the client shares mood), their practices (notes only where shared), and the
// prescriptions with add, edit and end. It fetches only what it shows; the API masks the rest.

import * as api from "../api.js";
import { h, minutes, when } from "../ui.js";
import { adherenceText, problem } from "./clients.js";
import { DAYS, prescriptionForm, scheduleText } from "./prescribe.js";

const WEEKS = 6;
const PRACTICES = 20;

export async function client(main, [clientId]) {
  const view = h("section", { class: "view staff-view", "aria-busy": "true" }, h("h1", {}, "Client"));
  main.append(view);
  let data;
  try {
    data = await load(clientId);
  } catch (error) {
    view.replaceChildren(h("h1", {}, "Client"), h("p", { class: "form-message error", role: "alert" },
      error.status === 404 ? "This client is not linked with you." : problem(error)));
    return;
  }
  const { overview, table, practices, prescriptions, catalog } = data;
  const titles = Object.fromEntries(catalog.map((e) => [e.slug, e.title]));
  const name = overview.display_name || "Unnamed client";
  const rx = h("section", { class: "card", "aria-labelledby": "rx-heading" });
  const heading = h("div", { class: "staff-heading" },
    h("div", {},
      h("p", { class: "crumbs" }, h("a", { href: "#/clients" }, "Clients")),
      h("h1", {}, name),
      h("p", { class: "meta" }, `Linked since ${new Date(overview.linked_at).toLocaleDateString()} · ${overview.timezone} · this week: ${adherenceText(overview.adherence_7d)}`),
      h("p", { class: "meta", "data-role": "sharing" }, sharingText(overview)),
    ),
    h("a", { class: "button primary", href: `#/summary/${clientId}` }, "Before the next session"),
  );
  view.replaceChildren(
    heading,
    h("div", { class: "client-grid" },
      h("section", { class: "card wide", "aria-labelledby": "heat-heading" },
        h("h2", { id: "heat-heading" }, `Plan kept, last ${WEEKS} weeks`),
        h("p", { class: "hint" }, `Weeks run Monday to Sunday in ${overview.timezone}. A ring is a day it was asked for; a filled square is a practice done for it.`),
        table.prescriptions.length
          ? table.prescriptions.map((row) => heatmap(row, titles, prescriptions))
          : h("p", {}, "Nothing prescribed in these weeks."),
      ),
      overview.share_mood ? moodCard(practices) : h("section", { class: "card" }, h("h2", {}, "Mood"), h("p", {}, `${name} does not share their mood ratings with you.`)),
      practiceCard(practices, titles, overview),
      rx,
    ),
  );
  view.removeAttribute("aria-busy");
  drawPrescriptions(rx, { clientId, prescriptions, catalog, titles, today: today(overview.timezone) });
}

async function load(clientId) {
  const [overview, table, page, prescriptions, catalog] = await Promise.all([
    api.client(clientId),
    api.clientAdherence(clientId, WEEKS),
    api.clientPractices(clientId, { limit: PRACTICES }),
    api.clientPrescriptions(clientId),
    api.catalog(),
  ]);
  return { overview, table, practices: page.items, prescriptions, catalog };
}

function sharingText(o) {
  const shared = [o.share_mood && "mood ratings", o.share_notes && "notes they choose", o.share_history && "earlier practices"].filter(Boolean);
  return shared.length ? `Shares with you: ${shared.join(", ")}.` : "Shares with you: which practices they do, and when.";
}

function today(zone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

function isoWeek(iso) {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 3); // Thursday of the week decides its year
  const first = new Date(Date.UTC(d.getUTCFullYear(), 0, 4));
  return 1 + Math.round(((d - first) / 86400000 - 3 + ((first.getUTCDay() + 6) % 7)) / 7);
}

function shortDate(iso) {
  return new Date(`${iso}T12:00:00Z`).toLocaleDateString(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
}

function heatmap(row, titles, prescriptions) {
  const p = prescriptions.find((x) => x.id === row.id);
  const title = titles[row.exercise] || row.exercise;
  const caption = `${title}${p ? ` · ${scheduleText(p.schedule)}` : ""}`;
  return h("table", { class: "heatmap", "data-prescription": row.id },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Week"), DAYS.map(([, label]) => h("th", { scope: "col" }, label)), h("th", { scope: "col" }, "Done"))),
    h("tbody", {}, row.weeks.map((week) => h("tr", {},
      h("th", { scope: "row" }, `W${isoWeek(week.week_start)} · ${shortDate(week.week_start)}`),
      week.days.map((cell) => h("td", { class: cellClass(cell), title: cellWords(cell) },
        h("span", { class: "sr-only" }, cellWords(cell)),
        h("span", { "aria-hidden": "true" }, cell.done ? String(cell.done) : ""))),
      h("td", { class: "week-total", "data-week": week.week_start }, week.expected || week.done ? `${week.done} of ${week.expected}` : "–"),
    ))),
  );
}

function cellClass(cell) {
  return ["cell", cell.active ? "active" : "inactive", cell.due ? "due" : "", cell.done ? "done" : ""].filter(Boolean).join(" ");
}

function cellWords(cell) {
  const date = shortDate(cell.date);
  if (!cell.active) return `${date}: not prescribed`;
  const done = cell.done ? `${cell.done} done` : "none done";
  return `${date}: ${cell.due ? "asked for" : "any day"}, ${done}`;
}

// Mood before and after each practice, oldest on the left: a line from before to after.
function moodCard(practices) {
  const rated = practices.filter((p) => p.mood_before !== null && p.mood_after !== null).reverse();
  const card = h("section", { class: "card", "aria-labelledby": "mood-heading" }, h("h2", { id: "mood-heading" }, "Mood before and after"));
  if (!rated.length) return card.appendChild(h("p", {}, "No rated practices among the latest ones.")) && card;
  const width = 420;
  const height = 180;
  const step = rated.length > 1 ? (width - 40) / (rated.length - 1) : 0;
  const y = (mood) => 10 + (10 - mood) * ((height - 30) / 10);
  const change = rated.reduce((sum, p) => sum + p.mood_after - p.mood_before, 0) / rated.length;
  const which = rated.length === 1 ? "the last rated practice" : `the last ${rated.length} rated practices`;
  const summary = `Over ${which}, mood went from ${avg(rated, "mood_before")} to ${avg(rated, "mood_after")} out of 10 on average (${change >= 0 ? "+" : ""}${change.toFixed(1)}).`;
  const marks = rated.map((p, i) => {
    const x = 30 + i * step;
    return h("g", {},
      h("line", { x1: x, x2: x, y1: y(p.mood_before), y2: y(p.mood_after), class: "mood-line" }),
      h("circle", { cx: x, cy: y(p.mood_before), r: 4, class: "mood-before" }),
      h("circle", { cx: x, cy: y(p.mood_after), r: 4, class: "mood-after" }));
  });
  const grid = [0, 5, 10].map((m) => h("g", {},
    h("line", { x1: 20, x2: width, y1: y(m), y2: y(m), class: "grid" }),
    h("text", { x: 0, y: y(m) + 4, class: "axis" }, String(m))));
  card.append(
    h("svg", { viewBox: `0 0 ${width} ${height}`, class: "mood-chart", role: "img", "aria-label": summary }, grid, marks),
    h("p", { class: "legend" }, h("span", { class: "key before" }), " before  ", h("span", { class: "key after" }), " after"),
    h("p", {}, summary),
  );
  return card;
}

function avg(items, key) {
  return (items.reduce((sum, p) => sum + p[key], 0) / items.length).toFixed(1);
}

function practiceCard(practices, titles, overview) {
  const rows = practices.map((p) => h("li", { class: "practice" },
    h("div", {},
      h("strong", {}, titles[p.exercise] || p.exercise), " ",
      h("span", { class: "meta" }, `${when(p.started_at)} · ${minutes(Math.max(1, Math.round(p.duration_seconds / 60)))}`),
    ),
    overview.share_mood && p.mood_before !== null ? h("p", { class: "meta" }, `Mood ${p.mood_before} → ${p.mood_after ?? "–"}`) : null,
    p.note ? h("blockquote", { class: "shared-note" }, p.note) : null,
  ));
  return h("section", { class: "card", "aria-labelledby": "practices-heading" },
    h("h2", { id: "practices-heading" }, "Latest practices"),
    rows.length ? h("ul", { class: "practice-list" }, rows) : h("p", {}, "No practices you can see yet."),
    overview.share_notes ? null : h("p", { class: "hint" }, "Notes are not shared with you."),
  );
}

function drawPrescriptions(card, context) {
  const { clientId, prescriptions, catalog, titles, today: day } = context;
  const refresh = async () => {
    context.prescriptions = await api.clientPrescriptions(clientId);
    drawPrescriptions(card, context);
  };
  const add = h("details", { class: "add-rx" }, h("summary", {}, "Prescribe a practice"),
    prescriptionForm({ clientId, catalog, today: day, done: refresh }));
  card.replaceChildren(
    h("h2", { id: "rx-heading" }, "Prescriptions"),
    prescriptions.length ? h("ul", { class: "rx-list" }, prescriptions.map((p) => rxItem(p, context, refresh))) : h("p", {}, "Nothing prescribed yet."),
    add,
  );
}

function rxItem(p, { catalog, titles, today: day }, refresh) {
  const length = p.length_minutes ? ` · ${minutes(p.length_minutes)}` : "";
  const time = p.time_of_day ? ` · around ${p.time_of_day}` : "";
  const dates = `${p.start_date}${p.end_date ? ` to ${p.end_date}` : " on"}`;
  const item = h("li", { class: `rx ${p.status}` },
    h("div", {},
      h("strong", {}, titles[p.exercise] || p.exercise),
      h("span", { class: "meta" }, ` ${scheduleText(p.schedule)}${length}${time} · ${dates}${p.status === "ended" ? " · ended" : ""}`),
      p.note ? h("p", { class: "note" }, p.note) : null,
    ),
  );
  if (p.status === "ended") return item;
  const actions = h("div", { class: "actions" });
  const edit = h("button", { type: "button" }, `Edit ${titles[p.exercise] || p.exercise}`);
  const end = h("button", { type: "button", class: "quiet" }, "End");
  edit.addEventListener("click", () => {
    const form = prescriptionForm({ clientId: p.client_id, catalog, existing: p, today: day, done: refresh, cancel: () => form.replaceWith(actions) });
    actions.replaceWith(form);
    form.querySelector("select").focus();
  });
  end.addEventListener("click", () => {
    const confirm = h("div", { class: "confirm", role: "group", "aria-label": "End this prescription?" },
      h("p", {}, "End it after today? It stays in the history."),
      h("button", { type: "button", class: "danger" }, "Yes, end it"), " ",
      h("button", { type: "button" }, "Keep it"));
    const [yes, keep] = confirm.querySelectorAll("button");
    yes.addEventListener("click", async () => {
      yes.disabled = true;
      try {
        await api.endPrescription(p.id);
        await refresh();
      } catch (error) {
        confirm.append(h("p", { class: "form-message error", role: "alert" }, problem(error)));
        yes.disabled = false;
      }
    });
    keep.addEventListener("click", () => confirm.replaceWith(actions));
    actions.replaceWith(confirm);
    keep.focus();
  });
  actions.append(edit, " ", end);
  item.append(actions);
  return item;
}
