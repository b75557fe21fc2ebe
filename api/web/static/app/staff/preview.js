// Preview one rendered length of a draft as a client will hear and see it: the audio, the
// breathing pacer (pacer.js, as in the client's player) and the captions (the WebVTT track's
// cues, else the timeline's words). The draft's files need the editor's token, so they are
// fetched as blobs. Returns a function that stops and frees them.

import * as api from "../api.js";
import { playable } from "../downloads.js";
import { pacerAt } from "../pacer.js";
import { h, minutes } from "../ui.js";

export async function previewPlayer(container, variant, { language = "en", onPlay } = {}) {
  const rendition = playable(variant); // what the client's player would choose
  const [audioBlob, captions, timeline] = await Promise.all([
    api.privateBlob(rendition.url),
    api.privateBlob(variant.captions_url),
    api.privateBlob(variant.timeline_url).then((blob) => blob.text()).then(JSON.parse),
  ]);
  const urls = [URL.createObjectURL(audioBlob), URL.createObjectURL(new Blob([captions], { type: "text/vtt" }))];
  const label = `Preview of ${minutes(variant.length_minutes)}`;
  const audio = h("audio", { controls: true, preload: "auto", src: urls[0], "aria-label": label });
  const track = h("track", { kind: "captions", src: urls[1], srclang: language, label: "Captions", default: true });
  audio.append(track);
  const breath = h("div", { class: "breath" });
  const cue = h("p", { class: "cue", "aria-live": "off" });
  container.replaceChildren(
    h(
      "div",
      { class: "preview-player", role: "group", "aria-label": label },
      h("p", { class: "preview-title" }, `Now playing: ${minutes(variant.length_minutes)}, as a client will hear it`),
      h("div", { class: "pacer", "aria-hidden": "true" }, breath),
      cue,
      audio,
    ),
  );
  track.track.mode = "hidden"; // drawn under the pacer, as in the client's player
  const events = timeline.events || [];
  let frame = 0;
  const draw = () => {
    const state = pacerAt(events, audio.currentTime * 1000);
    breath.style.setProperty("--scale", state.scale.toFixed(3));
    const spoken = [...(track.track.activeCues || [])].map((c) => c.text).join(" ");
    let text = "";
    if (state.words) text = state.remaining > 0 ? `${state.words} · ${state.remaining}` : state.words;
    else if (state.type === "say") text = spoken || state.text;
    if (cue.textContent !== text) cue.textContent = text;
  };
  const tick = () => {
    draw();
    frame = audio.paused ? 0 : requestAnimationFrame(tick);
  };
  audio.addEventListener("playing", () => {
    onPlay?.();
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(tick);
  });
  audio.addEventListener("pause", draw);
  audio.addEventListener("seeked", draw);
  track.addEventListener("cuechange", draw);
  draw();
  return {
    audio,
    stop() {
      cancelAnimationFrame(frame);
      audio.pause();
      urls.forEach((url) => URL.revokeObjectURL(url));
    },
  };
}

