// Today: what is due (the plan), the streak without any guilt, and one tap to start.
// A therapist's practices are kept on the phone by themselves on Wi-Fi, or when asked.

import * as api from "../api.js";
import * as downloads from "../downloads.js";
import { byAction, byField, byRole, clone, fill, minutes } from "../ui.js";

export async function today(main, _params, context) {
  const view = clone("t-today");
  main.append(view);
  const name = context.user?.display_name;
  byRole(view, "greeting").textContent = name ? `Hello, ${name}` : "Hello";

  const [plan, stats, catalog] = await Promise.all([
    api.plan().catch(() => null),
    api.stats().catch(() => null),
    api.catalog().catch(() => []),
  ]);
  if (stats?.current_streak_days > 1) {
    const streak = byRole(view, "streak");
    streak.hidden = false;
    streak.textContent = `You have practised ${stats.current_streak_days} days in a row.`;
  }

  const items = plan?.items || [];
  const list = byRole(view, "plan");
  for (const item of items) {
    const row = clone("t-plan-item");
    const length = item.length_minutes || lengthOf(catalog, item.exercise);
    const meta = [length ? minutes(length) : null, item.time_of_day ? `around ${item.time_of_day}` : null,
      item.therapist?.display_name ? `from ${item.therapist.display_name}` : null].filter(Boolean).join(" · ");
    fill(row, { title: item.title, meta, note: item.note || "" });
    const start = byField(row, "start");
    start.href = `#/play/${encodeURIComponent(item.exercise)}/${length || ""}?p=${item.prescription_id}`;
    start.setAttribute("aria-label", `Start ${item.title}`);
    byField(row, "done").hidden = !item.done;
    if (item.done) start.textContent = "Again";
    list.append(row);
  }
  const next = byRole(view, "next");
  const due = items.find((item) => !item.done);
  if (due) {
    next.hidden = false;
    next.href = `#/play/${encodeURIComponent(due.exercise)}/${due.length_minutes || lengthOf(catalog, due.exercise) || ""}?p=${due.prescription_id}`;
    next.textContent = `Start ${due.title}`;
  } else if (!items.length) {
    byRole(view, "plan-empty").hidden = !plan;
    const gentle = [...catalog].sort((a, b) => Math.min(...a.lengths) - Math.min(...b.lengths))[0];
    if (gentle) {
      next.hidden = false;
      next.href = `#/play/${encodeURIComponent(gentle.slug)}/${Math.min(...gentle.lengths)}`;
      next.textContent = `Start ${gentle.title}`;
    }
  }
  if (!plan) {
    byRole(view, "plan-empty").hidden = false;
    byRole(view, "plan-empty").textContent = "Your plan will show here once you are online.";
  }
  keepPrescribed(view, items, catalog);
}

function lengthOf(catalog, slug) {
  const found = catalog.find((item) => item.slug === slug);
  return found ? Math.min(...found.lengths) : null;
}

// Download the prescribed practices by themselves on Wi-Fi (where the browser says so), else
// offer a button.
function keepPrescribed(view, items, catalog) {
  const wanted = items
    .map((item) => ({ slug: item.exercise, minutes: item.length_minutes || lengthOf(catalog, item.exercise) }))
    .filter((item) => item.minutes && !downloads.find(item.slug, item.minutes));
  if (!wanted.length) return;
  const card = byRole(view, "keep");
  const button = byAction(view, "keep");
  const text = byRole(view, "keep-text");
  const keepAll = async () => {
    button.disabled = true;
    text.textContent = "Downloading…";
    try {
      for (const item of wanted) {
        const detail = await api.exercise(item.slug);
        const variant = detail.variants.find((v) => v.length_minutes === item.minutes);
        if (variant) await downloads.save(detail, variant);
      }
      text.textContent = "Your therapist's practices are on this phone now.";
      button.hidden = true;
    } catch {
      text.textContent = "Not everything could be downloaded. Please try again on a better connection.";
      button.disabled = false;
    }
  };
  card.hidden = false;
  button.addEventListener("click", keepAll);
  if (navigator.connection?.type === "wifi") keepAll();
}
