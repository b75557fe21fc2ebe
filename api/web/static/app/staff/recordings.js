// Recordings: one row per say segment of a version. Upload a recording (with the upload's
// progress), hear it, remove it; a badge on every row and a count at the top say which
// segments the synthetic voice still reads.

import * as api from "../api.js";
import { h, megabytes } from "../ui.js";
import { cannotLoad, chooseFirst, remember, resolveVersion, scriptNav, seconds, statusBadge } from "./common.js";

const LOCKED = ["published", "rendering"];

export async function recordings(main, [slugParam, numberParam], context) {
  let target;
  try {
    target = await resolveVersion(context, slugParam, numberParam);
  } catch (error) {
    cannotLoad(main, "Recordings", error);
    return null;
  }
  if (!target) {
    chooseFirst(main, "Recordings");
    return null;
  }
  const { slug, number } = target;
  remember(slug, number);
  const section = h("section", { class: "view staff-view recordings-view" });
  main.append(section);
  const playing = { url: null };
  const release = () => {
    if (playing.url) URL.revokeObjectURL(playing.url);
    playing.url = null;
  };
  const draw = async (text) => {
    release();
    const detail = await api.versionDetail(slug, number);
    const locked = LOCKED.includes(detail.status);
    const synthetic = detail.segments.filter((s) => !s.recording).length;
    const message = h("p", { class: "form-message", role: "status" }, text || "");
    section.replaceChildren(
      h("h1", {}, `Recordings: ${detail.title}`),
      h("div", { class: "version-line" }, h("span", {}, `Version ${number}`), statusBadge(detail.status), scriptNav(slug, number, "recordings")),
      h(
        "p",
        { class: "tally" },
        detail.segments.length
          ? `${detail.segments.length - synthetic} of ${detail.segments.length} spoken parts are recorded; the synthetic voice reads ${synthetic === 1 ? "1" : synthetic}.`
          : "This version has nothing spoken.",
      ),
      locked
        ? h("p", { class: "notice" }, `Version ${number} is ${detail.status}, so its recordings cannot change. Save a new draft version from the script to record again (recordings carry over).`)
        : h("p", { class: "hint" }, "A recording replaces the synthetic voice at the next render. Any audio file works (WAV, MP3, M4A, Ogg…)."),
      message,
      h("ul", { class: "segments" }, detail.segments.map((segment) => segmentRow(slug, number, segment, locked, { draw, message, playing, release }))),
    );
  };
  try {
    await draw();
  } catch (error) {
    cannotLoad(main, "Recordings", error);
  }
  return release;
}

function segmentRow(slug, number, segment, locked, screen) {
  const recorded = segment.recording;
  const label = `“${shorten(segment.text)}”`;
  const badge = recorded
    ? h("span", { class: "badge recorded" }, "Recorded")
    : h("span", { class: "badge synthetic" }, "Synthetic voice");
  const about = recorded
    ? `${recorded.filename || "recording"}, ${seconds(recorded.duration_ms)}, ${megabytes(recorded.bytes)}`
    : "";
  const actions = h("div", { class: "segment-actions" });
  const row = h(
    "li",
    { class: "segment", "data-segment": segment.id },
    h(
      "div",
      {},
      h("p", { class: "segment-text" }, badge, " ", segment.text),
      h("p", { class: "segment-id" }, `id ${segment.id} · line ${segment.line}${about ? ` · ${about}` : ""}`),
    ),
    actions,
  );
  if (recorded) {
    const hear = h("button", { type: "button", "aria-label": `Hear the recording of ${label}` }, "Hear");
    hear.addEventListener("click", async () => {
      screen.release();
      row.querySelector("audio")?.remove();
      try {
        const blob = await api.privateBlob(`/api/v1/exercises/${encodeURIComponent(slug)}/versions/${number}/recordings/${encodeURIComponent(segment.id)}`);
        screen.playing.url = URL.createObjectURL(blob);
      } catch (error) {
        screen.message.textContent = `The recording could not be loaded: ${error.message}`;
        return;
      }
      const audio = h("audio", { controls: true, src: screen.playing.url, "aria-label": `Recording of ${label}` });
      row.append(audio);
      audio.play().catch(() => {});
    });
    actions.append(hear);
  }
  if (locked) return row;
  const input = h("input", { type: "file", accept: "audio/*", id: `file-${segment.id}`, "aria-label": `${recorded ? "Replace" : "Upload"} the recording of ${label}` });
  const bar = h("progress", { max: 1, value: 0, "aria-label": `Upload of ${label}`, hidden: true });
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    input.disabled = true;
    bar.hidden = false;
    row.append(bar);
    screen.message.textContent = `Uploading ${file.name}…`;
    try {
      await api.uploadRecording(slug, number, segment.id, file, (fraction) => {
        bar.value = fraction;
      });
      await screen.draw(`Recorded: ${file.name} now reads ${label}. Render again to hear it in the exercise.`);
    } catch (error) {
      input.disabled = false;
      bar.hidden = true;
      screen.message.textContent = `Not uploaded: ${error.message}`;
    }
  });
  actions.append(input);
  if (recorded) {
    const remove = h("button", { type: "button", class: "danger", "aria-label": `Remove the recording of ${label}` }, "Remove");
    remove.addEventListener("click", async () => {
      try {
        await api.removeRecording(slug, number, segment.id);
        await screen.draw(`Removed. The synthetic voice reads ${label} again.`);
      } catch (error) {
        screen.message.textContent = error.message;
      }
    });
    actions.append(remove);
  }
  return row;
}

function shorten(text) {
  return text.length > 48 ? `${text.slice(0, 45).trimEnd()}…` : text;
}
