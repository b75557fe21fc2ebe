// The prescription form: exercise and length, a schedule (weekdays or n per week), time of day,
// dates and a note to the client. Used to add a prescription and to edit one.

import * as api from "../api.js";
import { busy, clearErrors, h, say, showErrors } from "../ui.js";
import { problem } from "./clients.js";

export const DAYS = [["mon", "Mon"], ["tue", "Tue"], ["wed", "Wed"], ["thu", "Thu"], ["fri", "Fri"], ["sat", "Sat"], ["sun", "Sun"]];

let forms = 0;

// `done(prescription)` runs after a save; `existing` (a prescription) makes it an edit form.
export function prescriptionForm({ clientId, catalog, existing = null, today, done, cancel = null }) {
  const n = ++forms;
  const id = (name) => `rx${n}-${name}`;
  const field = (name, label, control, hint = null) => h("div", { class: "field" },
    h("label", { for: id(name) }, label),
    control,
    hint ? h("p", { class: "hint", id: id(`${name}-hint`) }, hint) : null,
    h("p", { class: "field-error", "data-error": name, hidden: true }),
  );
  const exercise = h("select", { id: id("exercise"), name: "exercise", required: true },
    catalog.map((e) => h("option", { value: e.slug }, e.title)));
  const length = h("select", { id: id("length_minutes"), name: "length_minutes" });
  const fillLengths = () => {
    const chosen = catalog.find((e) => e.slug === exercise.value);
    length.replaceChildren(h("option", { value: "" }, "Any length"),
      ...(chosen?.lengths || []).map((m) => h("option", { value: m }, `${m} minutes`)));
  };
  exercise.addEventListener("change", fillLengths);
  const perWeek = h("input", { id: id("per-week"), name: "per_week", type: "number", min: 1, max: 21, value: 3, inputmode: "numeric" });
  const kindDays = h("input", { type: "radio", name: "kind", value: "days", id: id("kind-days"), checked: true });
  const kindWeek = h("input", { type: "radio", name: "kind", value: "per_week", id: id("kind-week") });
  const dayBoxes = DAYS.map(([value, label]) => h("label", { class: "day-choice" },
    h("input", { type: "checkbox", name: "days", value }), label));
  const schedule = h("fieldset", { class: "schedule" },
    h("legend", {}, "How often"),
    h("div", { class: "schedule-option" },
      h("label", { for: id("kind-days") }, kindDays, " On these days"),
      h("div", { class: "day-choices", role: "group", "aria-label": "Days of the week" }, dayBoxes),
    ),
    h("div", { class: "schedule-option" },
      h("label", { for: id("kind-week") }, kindWeek, " A number of times a week, any days"),
      h("label", { for: id("per-week"), class: "inline" }, "Times a week ", perWeek),
    ),
    h("p", { class: "field-error", "data-error": "schedule", hidden: true }),
  );
  const form = h("form", { class: "prescription-form", novalidate: true },
    h("p", { class: "form-message", "data-role": "message", hidden: true }),
    h("div", { class: "field-row" },
      field("exercise", "Practice", exercise),
      field("length_minutes", "Length", length),
    ),
    schedule,
    h("div", { class: "field-row" },
      field("time_of_day", "Time of day (optional)", h("input", { id: id("time_of_day"), name: "time_of_day", type: "time" })),
      field("start_date", "From", h("input", { id: id("start_date"), name: "start_date", type: "date", required: true, value: today })),
      field("end_date", "Until (optional)", h("input", { id: id("end_date"), name: "end_date", type: "date" })),
    ),
    field("note", "A note to your client (optional)", h("textarea", { id: id("note"), name: "note", rows: 2, maxlength: 1000 })),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, existing ? "Save changes" : "Prescribe"),
      cancel ? h("button", { type: "button", class: "quiet", "data-action": "cancel" }, "Cancel") : null,
    ),
  );
  if (existing) fillFrom(form, existing);
  else fillLengths();
  if (cancel) form.querySelector('[data-action="cancel"]').addEventListener("click", cancel);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = bodyOf(form);
    if (body.error) return showErrors(form, { schedule: body.error });
    await busy(form, async () => {
      try {
        const saved = existing
          ? await api.updatePrescription(existing.id, body)
          : await api.prescribe(clientId, body);
        say(form, existing ? "Saved." : "Prescribed. Your client sees it in their plan.");
        done(saved);
      } catch (error) {
        showErrors(form, error.fields || {}, problem(error));
      }
    });
  });
  return form;

  function fillFrom(target, p) {
    exercise.value = p.exercise;
    fillLengths();
    length.value = p.length_minutes ?? "";
    if (p.schedule.per_week) {
      kindWeek.checked = true;
      perWeek.value = p.schedule.per_week;
    } else {
      for (const box of target.querySelectorAll('input[name="days"]')) box.checked = p.schedule.days.includes(box.value);
    }
    target.elements.time_of_day.value = p.time_of_day || "";
    target.elements.start_date.value = p.start_date;
    target.elements.end_date.value = p.end_date || "";
    target.elements.note.value = p.note || "";
  }
}

function bodyOf(form) {
  const e = form.elements;
  let schedule;
  if (form.querySelector('input[name="kind"]:checked').value === "days") {
    const days = [...form.querySelectorAll('input[name="days"]:checked')].map((box) => box.value);
    if (!days.length) return { error: "Choose at least one day, or a number of times a week." };
    schedule = { days };
  } else {
    const n = Number(e.per_week.value);
    if (!Number.isInteger(n) || n < 1 || n > 21) return { error: "Choose 1 to 21 times a week." };
    schedule = { per_week: n };
  }
  return {
    exercise: e.exercise.value,
    length_minutes: e.length_minutes.value ? Number(e.length_minutes.value) : null,
    schedule,
    time_of_day: e.time_of_day.value || null,
    start_date: e.start_date.value,
    end_date: e.end_date.value || null,
    note: e.note.value.trim() || null,
  };
}

export function scheduleText(schedule) {
  if (schedule.per_week) return schedule.per_week === 1 ? "Once a week" : `${schedule.per_week} times a week`;
  const names = Object.fromEntries(DAYS);
  return schedule.days.map((d) => names[d]).join(", ");
}
