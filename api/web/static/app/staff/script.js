// The script editor: a textarea with line numbers, checked as you type (debounced POST
// /scripts/validate). Problems are listed at their line and column (choosing one moves the
// caret there); the estimated duration of each length and the warnings sit beside it.
// Saving makes a new draft version.

import * as api from "../api.js";
import { h } from "../ui.js";
import { cannotLoad, remember, remembered, scriptNav, seconds, statusBadge } from "./common.js";

const CHECK_AFTER_MS = 400;
const NEW_SCRIPT = `slug: a-new-exercise
title: A new exercise
kind: mindfulness
summary: One sentence that tells a client what this is.
language: en
lengths: [3, 5]
segments:
  - {say: Find a comfortable way to sit., id: welcome}
  - pause: {min: 5s, weight: 1}
  - bell: {}
`;

let flash = null; // a sentence for the next draw (after saving, the address changes)

export async function script(main, [slugParam, numberParam]) {
  let slug = slugParam;
  let number = Number(numberParam) || null;
  if (!slug) {
    const last = remembered();
    if (last) ({ slug, number } = last);
  }
  const isNew = !slug || slug === "new";
  let detail = null;
  if (!isNew) {
    try {
      if (!number) number = (await api.versions(slug))[0]?.version;
      detail = await api.versionDetail(slug, number);
    } catch (error) {
      cannotLoad(main, "Script", error);
      return null;
    }
    remember(slug, number);
  }
  const view = editorView(detail);
  main.append(view.root);
  // Unsaved text is kept in this tab until it is saved, so leaving the screen loses nothing.
  const keep = `interlude.unsaved.${detail ? `${detail.slug}/${detail.version}` : "new"}`;
  const original = detail ? detail.source : NEW_SCRIPT;
  const unsaved = sessionStorage.getItem(keep);
  view.textarea.value = unsaved ?? original;
  if (flash) {
    view.say(flash);
    flash = null;
  } else if (unsaved !== null && unsaved !== original) {
    view.say("Your unsaved changes are back, as you left them.");
  }
  const checker = checking(view);
  view.textarea.addEventListener("input", () => {
    view.drawNumbers();
    view.save.disabled = detail !== null && view.textarea.value === original;
    if (view.textarea.value === original) sessionStorage.removeItem(keep);
    else sessionStorage.setItem(keep, view.textarea.value);
    checker.soon();
  });
  view.textarea.addEventListener("scroll", () => {
    view.gutter.scrollTop = view.textarea.scrollTop;
  });
  view.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    view.save.disabled = true;
    try {
      const saved = await api.saveScript(view.textarea.value);
      sessionStorage.removeItem(keep);
      flash = `Saved as version ${saved.version} (a draft). Add recordings, or render it to listen.`;
      remember(saved.slug, saved.version);
      location.hash = `#/script/${encodeURIComponent(saved.slug)}/${saved.version}`;
    } catch (error) {
      view.save.disabled = false;
      const problems = error.body?.errors?.json?.source;
      if (Array.isArray(problems)) view.showProblems(problems);
      view.say(`Not saved: ${error.message}`, true);
    }
  });
  view.drawNumbers();
  view.save.disabled = detail !== null && view.textarea.value === original;
  checker.now();
  return () => checker.stop();
}

function checking(view) {
  let timer = 0;
  let turn = 0;
  const run = async () => {
    const mine = ++turn;
    view.state("Checking…");
    let result;
    try {
      result = await api.validateScript(view.textarea.value);
    } catch (error) {
      if (mine === turn) view.state(`Could not check the script: ${error.message}`);
      return;
    }
    if (mine !== turn) return; // the text changed meanwhile; a newer check is on its way
    if (result.ok) view.showChecked(result);
    else view.showProblems(result.problems);
  };
  return {
    soon() {
      clearTimeout(timer);
      timer = setTimeout(run, CHECK_AFTER_MS);
    },
    now: run,
    stop() {
      clearTimeout(timer);
      turn += 1;
    },
  };
}

function editorView(detail) {
  const heading = detail ? `${detail.title} · version ${detail.version}` : "A new script";
  const textarea = h("textarea", {
    id: "script-source",
    name: "source",
    spellcheck: "false",
    wrap: "off",
    autocapitalize: "off",
    "aria-describedby": "script-state",
  });
  const gutter = h("div", { class: "gutter", "aria-hidden": "true" });
  const stateLine = h("p", { id: "script-state", class: "check-state", role: "status" });
  const problems = h("ol", { class: "problems", "aria-label": "Problems" });
  const durations = h("tbody");
  const durationTable = h(
    "table",
    { class: "staff-table durations" },
    h("caption", {}, "Estimated duration of each length"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Length"), h("th", { scope: "col" }, "Estimated"))),
    durations,
  );
  const warnings = h("ul", { class: "warnings", "aria-label": "Warnings" });
  const message = h("p", { class: "form-message", "data-role": "message", hidden: true });
  const save = h("button", { type: "submit", class: "primary" }, "Save as a new draft version");
  const form = h(
    "form",
    { class: "script-form", novalidate: true },
    h("label", { for: "script-source" }, "Script (YAML)"),
    h("div", { class: "code" }, gutter, textarea),
    h("div", { class: "form-actions" }, save),
  );
  const root = h(
    "section",
    { class: "view staff-view editor-view" },
    h("h1", {}, heading),
    detail ? h("div", { class: "version-line" }, statusBadge(detail.status), scriptNav(detail.slug, detail.version, "script")) : null,
    message,
    h(
      "div",
      { class: "editor-grid" },
      form,
      h(
        "aside",
        { class: "check-panel", "aria-label": "Checks" },
        h("h2", {}, "Checks"),
        stateLine,
        problems,
        durationTable,
        warnings,
      ),
    ),
  );
  let bad = new Set();
  const drawNumbers = () => {
    const count = textarea.value.split("\n").length;
    if (gutter.childElementCount !== count) {
      gutter.replaceChildren(...Array.from({ length: count }, (_, i) => h("div", {}, String(i + 1))));
    }
    [...gutter.children].forEach((line, i) => line.classList.toggle("bad", bad.has(i + 1)));
    gutter.scrollTop = textarea.scrollTop;
  };
  const goTo = (line, column) => {
    const lines = textarea.value.split("\n");
    let offset = 0;
    for (let i = 0; i < Math.min(line - 1, lines.length); i += 1) offset += lines[i].length + 1;
    offset += Math.max(0, column - 1);
    textarea.focus();
    textarea.setSelectionRange(offset, offset);
    const height = parseFloat(getComputedStyle(textarea).lineHeight) || 20;
    textarea.scrollTop = Math.max(0, (line - 4) * height);
  };
  return {
    root,
    form,
    textarea,
    gutter,
    save,
    drawNumbers,
    state(text) {
      stateLine.textContent = text;
    },
    say(text, error = false) {
      message.textContent = text;
      message.hidden = false;
      message.classList.toggle("error", error);
      message.setAttribute("role", error ? "alert" : "status");
    },
    showProblems(list) {
      bad = new Set(list.map((p) => p.line));
      stateLine.textContent = list.length === 1 ? "1 problem to fix." : `${list.length} problems to fix.`;
      problems.replaceChildren(
        ...list.map((p) => {
          const button = h("button", { type: "button", class: "link" }, `Line ${p.line}, column ${p.column}`);
          button.addEventListener("click", () => goTo(p.line, p.column));
          return h("li", { "data-line": p.line }, button, h("span", {}, `: ${p.message}`));
        }),
      );
      durationTable.hidden = true;
      warnings.replaceChildren();
      drawNumbers();
      textarea.setAttribute("aria-invalid", "true");
    },
    showChecked(result) {
      bad = new Set();
      stateLine.textContent = result.warnings.length
        ? `No problems. ${result.warnings.length === 1 ? "1 warning" : `${result.warnings.length} warnings`} to look at.`
        : "No problems found.";
      problems.replaceChildren();
      durations.replaceChildren(
        ...Object.entries(result.durations).map(([minutes, ms]) =>
          h("tr", {}, h("th", { scope: "row" }, `${minutes} min`), h("td", {}, seconds(ms))),
        ),
      );
      durationTable.hidden = false;
      warnings.replaceChildren(...result.warnings.map((w) => h("li", {}, w)));
      drawNumbers();
      textarea.removeAttribute("aria-invalid");
    },
  };
}
