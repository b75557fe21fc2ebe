// Before the next session: one page for a date range (default: since the last summary, or
// the last 14 days), printable on A4 and Letter. Everything on it comes from the summary
// operation, which holds only what the client shares.

import * as api from "../api.js";
import { h, when } from "../ui.js";
import { problem } from "./clients.js";
import { scheduleText } from "./prescribe.js";

export async function summary(main, [clientId], _context, search) {
  const view = h("section", { class: "view staff-view summary-view", "aria-busy": "true" }, h("h1", {}, "Before the next session"));
  main.append(view);
  const range = { from: search.get("from") || undefined, to: search.get("to") || undefined };
  let body;
  try {
    body = await api.sessionSummary(clientId, range);
  } catch (error) {
    view.append(h("p", { class: "form-message error", role: "alert" }, error.status === 404 ? "This client is not linked with you." : problem(error)));
    view.removeAttribute("aria-busy");
    return;
  }
  const name = body.client.display_name || "Unnamed client";
  view.replaceChildren(
    h("p", { class: "crumbs no-print" }, h("a", { href: "#/clients" }, "Clients"), " / ", h("a", { href: `#/client/${clientId}` }, name)),
    h("h1", {}, `Before the next session: ${name}`),
    h("p", { class: "meta", "data-role": "range" }, `${longDate(body.from)} to ${longDate(body.to)} (${body.client.timezone})`),
    rangeForm(clientId, body),
    h("div", { class: "summary-grid" },
      adherenceSection(body),
      moodSection(body),
      notesSection(body),
      agendaSection(body),
    ),
  );
  view.removeAttribute("aria-busy");
}

function longDate(iso) {
  return new Date(`${iso}T12:00:00Z`).toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

function rangeForm(clientId, body) {
  const form = h("form", { class: "range no-print", "aria-label": "Dates" },
    h("div", { class: "field" }, h("label", { for: "summary-from" }, "From"), h("input", { id: "summary-from", name: "from", type: "date", value: body.from, required: true })),
    h("div", { class: "field" }, h("label", { for: "summary-to" }, "To"), h("input", { id: "summary-to", name: "to", type: "date", value: body.to, required: true })),
    h("button", { type: "submit" }, "Show these dates"),
    h("button", { type: "button", class: "primary", "data-action": "print" }, "Print"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = new URLSearchParams({ from: form.elements.from.value, to: form.elements.to.value });
    location.hash = `#/summary/${clientId}?${query}`;
  });
  form.querySelector('[data-action="print"]').addEventListener("click", () => window.print());
  return form;
}

function section(id, title, ...content) {
  return h("section", { class: "card summary-section", "aria-labelledby": id }, h("h2", { id }, title), ...content);
}

function adherenceSection(body) {
  const rows = body.prescriptions.map((p) => h("tr", { "data-prescription": p.id },
    h("th", { scope: "row" }, p.title),
    h("td", {}, scheduleText(p.schedule) + (p.length_minutes ? `, ${p.length_minutes} min` : "")),
    h("td", { class: "number" }, `${p.done} of ${p.expected}`)));
  return section("sum-adherence", "Practices",
    body.expected || body.done
      ? h("p", { class: "big-figure", "data-role": "done" }, `${body.done} of ${body.expected}`, h("span", { class: "meta" }, " prescribed practices done"))
      : null,
    h("p", { "data-role": "practices" }, `${body.practices} practice${body.practices === 1 ? "" : "s"} in all in these days.`),
    rows.length
      ? h("table", { class: "summary-table" }, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Practice"), h("th", { scope: "col" }, "Schedule"), h("th", { scope: "col" }, "Done"))), h("tbody", {}, rows))
      : h("p", {}, "Nothing was prescribed in these days."),
  );
}

function moodSection(body) {
  if (!body.mood) return section("sum-mood", "Mood", h("p", {}, "Mood ratings are not shared with you."));
  const m = body.mood;
  const sign = (x) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}`;
  return section("sum-mood", "Mood",
    m.n
      ? h("p", { "data-role": "mood" }, `Mean change ${sign(m.avg_change)} (from ${m.avg_before.toFixed(1)} to ${m.avg_after.toFixed(1)} out of 10) over ${m.n} rated practice${m.n === 1 ? "" : "s"}.`)
      : h("p", { "data-role": "mood" }, "No practice was rated before and after in these days."),
    body.helped_most.length
      ? h("div", {}, h("h3", {}, "Helped most, by their own ratings"),
        h("ol", { "data-role": "helped" }, body.helped_most.map((e) => h("li", {}, `${e.title}: ${sign(e.avg_change)} on average (${e.mood_n} rated)`))))
      : null,
  );
}

function notesSection(body) {
  if (body.notes === null) return section("sum-notes", "Notes", h("p", {}, "Notes are not shared with you."));
  return section("sum-notes", "Notes they shared",
    body.notes.length
      ? h("ul", { class: "notes" }, body.notes.map((n) => h("li", {}, h("span", { class: "meta" }, when(n.started_at)), h("blockquote", {}, n.note))))
      : h("p", {}, "No shared notes in these days."));
}

function agendaSection(body) {
  return section("sum-agenda", "What they want to bring",
    body.agenda.length
      ? h("ul", { class: "agenda", "data-role": "agenda" }, body.agenda.map((item) => h("li", {}, item.text)))
      : h("p", {}, "Nothing shared for this session yet."));
}
