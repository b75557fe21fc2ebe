// Render and publish one version: start a render and follow its job live, listen to every
// length in the preview player, publish (only once each length was heard), and the version
// history: who saved and who published what, and when.

import * as api from "../api.js";
import { h, minutes } from "../ui.js";
import { at, by, cannotLoad, chooseFirst, remember, resolveVersion, scriptNav, statusBadge } from "./common.js";
import { previewPlayer } from "./preview.js";

const POLL_MS = 700;
const heard = new Map(); // "slug/number" -> Set of lengths listened to (kept while the app runs)

export async function publish(main, [slugParam, numberParam], context) {
  let target;
  try {
    target = await resolveVersion(context, slugParam, numberParam);
  } catch (error) {
    cannotLoad(main, "Render and publish", error);
    return null;
  }
  if (!target) {
    chooseFirst(main, "Render and publish");
    return null;
  }
  const { slug, number } = target;
  remember(slug, number);
  const key = `${slug}/${number}`;
  if (!heard.has(key)) heard.set(key, new Set());
  const state = { stopped: false, player: null, timer: 0 };
  const stop = () => {
    state.stopped = true;
    clearTimeout(state.timer);
    state.player?.stop();
  };
  const section = h("section", { class: "view staff-view publish-view" });
  main.append(section);
  try {
    await draw(section, slug, number, heard.get(key), state);
  } catch (error) {
    cannotLoad(main, "Render and publish", error);
  }
  return stop;
}

async function draw(section, slug, number, listened, state) {
  const [detail, history] = await Promise.all([api.versionDetail(slug, number), api.versions(slug)]);
  const message = h("p", { class: "form-message", role: "status" });
  const redraw = async (text) => {
    state.player?.stop();
    state.player = null;
    await draw(section, slug, number, listened, state);
    if (text) section.querySelector(".form-message").textContent = text;
  };
  section.replaceChildren(
    h("h1", {}, `Render and publish: ${detail.title}`),
    h("div", { class: "version-line" }, h("span", {}, `Version ${number}`), statusBadge(detail.status), scriptNav(slug, number, "publish")),
    message,
    h(
      "div",
      { class: "publish-grid" },
      h(
        "div",
        {},
        renderCard(detail, state, redraw),
        await previewCard(detail, listened, state, redraw),
        publishCard(detail, listened, redraw),
      ),
      historyCard(history, slug),
    ),
  );
}

function renderCard(detail, state, redraw) {
  const { slug, version: number } = detail;
  const button = h("button", { type: "button", class: "primary" }, ["failed", "rendered"].includes(detail.status) ? "Render again" : `Render version ${number}`);
  const bar = h("progress", { class: "render-progress", id: "render-progress", max: 1, value: 0, "aria-label": "Render progress" });
  const words = h("p", { role: "status" });
  const card = h("section", { class: "card", "aria-labelledby": "render-heading" }, h("h2", { id: "render-heading" }, "1. Render"), words, bar, button);
  bar.hidden = true;
  const follow = async (job) => {
    bar.hidden = false;
    button.disabled = true;
    let last = "";
    while (!state.stopped) {
      bar.value = job.progress;
      const percent = `${Math.round(job.progress * 100)}%`;
      const said = job.status === "queued" ? "Waiting for a free renderer…" : `Rendering every length… ${percent}`;
      if (said !== last) words.textContent = last = said;
      if (job.status === "succeeded") return redraw(`Version ${number} is rendered. Listen to each length below.`);
      if (job.status === "failed") return redraw(`The render failed: ${job.error || "no reason was given"}.`);
      await new Promise((resolve) => {
        state.timer = setTimeout(resolve, POLL_MS);
      });
      try {
        job = await api.job(job.id);
      } catch (error) {
        words.textContent = `Lost track of the render (${error.message}); it goes on. Reload to see it.`;
        return null;
      }
    }
    return null;
  };
  if (detail.status === "published") {
    words.textContent = "This version is published. To change it, save a new draft version.";
    button.hidden = true;
  } else if (detail.status === "rendered") {
    words.textContent = "Rendered. A new render is needed only after a change to the recordings.";
  } else if (detail.status === "failed") {
    words.textContent = `The last render failed: ${detail.error || "no reason was given"}.`;
  } else if (detail.status === "draft") {
    words.textContent = "Not rendered yet. Rendering makes the audio, captions and pacer timing for every length.";
  }
  if (detail.render_job) follow(detail.render_job);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const answer = await api.render(slug, number);
      follow(answer.job);
    } catch (error) {
      words.textContent = error.message;
      button.disabled = false;
    }
  });
  return card;
}

async function previewCard(detail, listened, state, redraw) {
  const card = h("section", { class: "card", "aria-labelledby": "preview-heading" }, h("h2", { id: "preview-heading" }, "2. Listen to each length"));
  if (!["rendered", "published"].includes(detail.status)) {
    card.append(h("p", { class: "hint" }, "Once rendered, each length can be heard here as clients will hear it, with the pacer and captions."));
    return card;
  }
  const exercise = await api.draftExercise(detail.slug, detail.version);
  const stage = h("div", {});
  const list = h("ul", { class: "previews" });
  for (const variant of exercise.variants) {
    const mark = h("span", { class: "heard" }, listened.has(variant.length_minutes) ? "Heard" : "");
    const button = h("button", { type: "button" }, `Listen to ${minutes(variant.length_minutes)}`);
    button.addEventListener("click", async () => {
      state.player?.stop();
      button.disabled = true;
      try {
        state.player = await previewPlayer(stage, variant, {
          language: exercise.language,
          onPlay: () => {
            if (listened.has(variant.length_minutes)) return;
            listened.add(variant.length_minutes);
            mark.textContent = "Heard";
            card.dispatchEvent(new CustomEvent("heard", { bubbles: true }));
          },
        });
        state.player.audio.play().catch(() => {});
        state.player.audio.focus();
      } catch (error) {
        stage.replaceChildren(h("p", { class: "form-message error" }, `This length could not be loaded: ${error.message}`));
      } finally {
        button.disabled = false;
      }
    });
    list.append(h("li", {}, button, h("span", {}, `${Math.round(variant.duration_ms / 1000)} s`), mark));
  }
  card.append(list, stage);
  card.addEventListener("heard", () => redrawPublish(card.parentElement, detail, listened, redraw));
  return card;
}

function publishCard(detail, listened, redraw) {
  const lengths = detail.lengths;
  const left = lengths.filter((l) => !listened.has(l));
  const button = h("button", { type: "button", class: "primary" }, `Publish version ${detail.version}`);
  const words = h("p", {});
  const card = h("section", { class: "card publish-card", "aria-labelledby": "publish-heading" }, h("h2", { id: "publish-heading" }, "3. Publish"), words, button);
  if (detail.status === "published") {
    words.textContent = `Version ${detail.version} is what clients get${detail.published_at ? ` since ${at(detail.published_at)}` : ""}.`;
    button.hidden = true;
  } else if (detail.status !== "rendered") {
    words.textContent = "Render this version and listen to each length first.";
    button.disabled = true;
  } else if (left.length) {
    words.textContent = `Listen to each length before publishing: ${left.map(minutes).join(", ")} still to hear.`;
    button.disabled = true;
  } else {
    words.textContent = "Every length was heard. Publishing switches clients to this version at once.";
  }
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api.publish(detail.slug, detail.version);
      await redraw(`Version ${detail.version} is published. Clients find it in their Library now.`);
    } catch (error) {
      words.textContent = error.message;
      button.disabled = false;
    }
  });
  return card;
}

function redrawPublish(column, detail, listened, redraw) {
  const old = column.querySelector(".publish-card");
  if (old) old.replaceWith(publishCard(detail, listened, redraw));
}

function historyCard(history, slug) {
  return h(
    "section",
    { class: "card", "aria-labelledby": "history-heading" },
    h("h2", { id: "history-heading" }, "Version history"),
    h(
      "ol",
      { class: "history", reversed: true },
      history.map((v) =>
        h(
          "li",
          {},
          h("a", { href: `#/publish/${encodeURIComponent(slug)}/${v.version}` }, `Version ${v.version}`),
          " ",
          statusBadge(v.status),
          h("br"),
          h("span", { class: "hint" }, `Saved ${at(v.created_at)}${by(v.author)}.`),
          v.published_at ? h("br") : null,
          v.published_at ? h("span", { class: "hint" }, `Published ${at(v.published_at)}${by(v.published_by)}.`) : null,
        ),
      ),
    ),
  );
}
