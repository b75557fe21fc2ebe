// Progress: streaks, minutes and sessions; mood before and after over time (an SVG chart);
// which practices have tended to leave this person feeling better; what is still waiting to
// be sent or could not be saved.

import * as api from "../api.js";
import * as outbox from "../outbox.js";
import { byField, byRole, clone, day, h, minutes } from "../ui.js";

const CHART = { width: 320, height: 170, left: 26, right: 8, top: 10, bottom: 24 };

export async function progress(main, _params, context) {
  const view = clone("t-progress");
  main.append(view);
  const user = context.user.id;
  // The outbox is read before the log is fetched: a practice being sent meanwhile is then in
  // one or the other (the server answers a sync after storing it), never in neither.
  const queued = await outbox.items(user);
  const [stats, page, catalog] = await Promise.all([
    api.stats().catch(() => null),
    api.practices({ limit: 100 }).catch(() => null),
    api.catalog().catch(() => []),
  ]);
  const titles = Object.fromEntries(catalog.map((item) => [item.slug, item.title]));
  if (stats) {
    for (const name of ["current_streak_days", "longest_streak_days", "total_minutes"]) {
      byField(view, name).textContent = String(stats[name]);
    }
    byField(view, "week").textContent = stats.sessions_7d === 1 ? "1 practice" : `${stats.sessions_7d} practices`;
    helps(view, stats.by_exercise || []);
  }
  const practices = page?.items || [];
  chart(view, practices, stats);
  recent(view, practices, queued.filter((item) => item.state === "waiting"), titles);
  setAside(view, queued.filter((item) => item.state === "set-aside"), titles, () => progressAgain(main, context));
}

function progressAgain(main, context) {
  main.replaceChildren();
  return progress(main, [], context);
}

function chart(view, practices, stats) {
  const rated = practices.filter((p) => p.mood_before !== null && p.mood_after !== null).slice(0, 30).reverse();
  const box = byRole(view, "chart");
  if (stats?.mood?.n) {
    byRole(view, "mood-summary").textContent =
      `Across ${stats.mood.n === 1 ? "1 practice" : `${stats.mood.n} practices`} you rated, ` +
      `your mood was ${stats.mood.avg_before} before and ${stats.mood.avg_after} after, on average.`;
  }
  if (rated.length < 2) return;
  const { width, height, left, right, top, bottom } = CHART;
  const x = (i) => left + (i * (width - left - right)) / (rated.length - 1);
  const y = (mood) => top + ((10 - mood) * (height - top - bottom)) / 10;
  const line = (key) => rated.map((p, i) => `${x(i).toFixed(1)},${y(p[key]).toFixed(1)}`).join(" ");
  const svg = h(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "mood-chart-title" },
    h("title", { id: "mood-chart-title" }, `Mood before and after your last ${rated.length} rated practices, from 0 to 10`),
    ...[0, 5, 10].map((mood) => h("g", {},
      h("line", { class: "axis", x1: left, x2: width - right, y1: y(mood), y2: y(mood) }),
      h("text", { class: "label", x: 2, y: y(mood) + 4 }, String(mood)))),
    h("text", { class: "label", x: left, y: height - 6 }, day(rated[0].started_at)),
    h("text", { class: "label", x: width - right, y: height - 6, "text-anchor": "end" }, day(rated.at(-1).started_at)),
    h("polyline", { class: "before", points: line("mood_before") }),
    h("polyline", { class: "after", points: line("mood_after") }),
    ...rated.map((p, i) => h("circle", { class: "dot-after", cx: x(i), cy: y(p.mood_after), r: 3 })),
  );
  box.append(svg, h("ul", { class: "legend" }, h("li", { class: "key-before" }, "Before"), h("li", { class: "key-after" }, "After")));
}

function helps(view, byExercise) {
  const better = byExercise.filter((e) => e.mood_n > 0 && e.avg_change > 0).slice(0, 5);
  if (!better.length) return;
  byRole(view, "helps-card").hidden = false;
  byRole(view, "helps").replaceChildren(
    ...better.map((e) =>
      h("li", {}, h("strong", {}, e.title), h("br"),
        `${signed(e.avg_change)} on average, over ${e.mood_n === 1 ? "1 rated practice" : `${e.mood_n} rated practices`}`),
    ),
  );
}

const signed = (n) => (n > 0 ? `+${n}` : String(n));

function recent(view, practices, waiting, titles) {
  const stored = new Set(practices.map((p) => p.id));
  const rows = [
    ...waiting.filter((item) => !stored.has(item.id)).map((item) => row(item.body, titles, "Waiting to be sent")),
    ...practices.slice(0, 10).map((p) => row(p, titles)),
  ];
  byRole(view, "recent").replaceChildren(...rows);
  byRole(view, "recent-empty").hidden = rows.length > 0;
}

function row(practice, titles, waiting) {
  const mood = practice.mood_before !== null && practice.mood_after !== null && practice.mood_before !== undefined
    ? `feeling ${practice.mood_before} before, ${practice.mood_after} after`
    : null;
  const length = Math.max(1, Math.round((practice.duration_seconds || 60) / 60));
  return h("li", {},
    h("strong", {}, titles[practice.exercise] || practice.exercise), h("br"),
    [day(practice.started_at), minutes(length), mood].filter(Boolean).join(" · "),
    waiting ? h("span", { class: "waiting" }, ` · ${waiting}`) : null);
}

function setAside(view, items, titles, redraw) {
  if (!items.length) return;
  byRole(view, "aside-card").hidden = false;
  byRole(view, "aside").replaceChildren(
    ...items.map((item) => {
      const remove = h("button", { type: "button", class: "quiet" }, "Remove it");
      remove.setAttribute("aria-label", `Remove the practice of ${day(item.body.started_at)}`);
      remove.addEventListener("click", async () => {
        await outbox.remove(item.id);
        redraw();
      });
      return h("li", {},
        h("strong", {}, titles[item.body.exercise] || item.body.exercise), ` · ${day(item.body.started_at)}`, h("br"),
        outbox.reason(item), h("br"), remove);
    }),
  );
}
