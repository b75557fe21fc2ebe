// The player: one pre-mixed file in an <audio> element (Opus where the browser plays it,
// else AAC), the lock screen's controls (Media Session), captions from the WebVTT track, the
// breathing pacer kept in step with the audio's currentTime, and a screen wake lock while
// playing. The practice gets its device UUID when Play is first pressed.

import * as api from "../api.js";
import * as downloads from "../downloads.js";
import { pacerAt } from "../pacer.js";
import {
  byAction, byRole, chosen, clock, clone, fill, h, kindName, megabytes, minutes, moodScale, spokenTime,
} from "../ui.js";
import { checkin } from "./checkin.js";

const ARTWORK = [
  { src: new URL("../icons/icon-192.png", import.meta.url).href, sizes: "192x192", type: "image/png" },
  { src: new URL("../icons/icon-512.png", import.meta.url).href, sizes: "512x512", type: "image/png" },
];
const SEEK_STEP = 10;

export async function player(main, [slug, lengthParam], context, query) {
  const view = clone("t-player");
  main.append(view);
  let detail = null;
  try {
    detail = await api.exercise(slug);
  } catch (error) {
    if (!(error instanceof api.Offline) && error.status !== 404) throw error;
  }
  const length = Number(lengthParam) || detail?.lengths[0];
  const kept = downloads.find(slug, length);
  const variant = kept?.variant || detail?.variants.find((v) => v.length_minutes === length);
  const title = detail?.title || kept?.title;
  if (!variant) {
    fill(view, { title: title || "Not available", meta: "" });
    byRole(view, "cue").textContent = detail
      ? "This length is not available. Please choose another in the library."
      : "This practice is not on this phone. It will play once you are back online.";
    for (const part of view.querySelectorAll(".controls, .position, .toggles, .offline, .mood, .pacer")) part.hidden = true;
    return null;
  }
  const kind = detail?.kind || kept.kind;
  fill(view, { title, meta: `${kindName(kind)} · ${minutes(length)}` });
  otherLengths(view, detail, slug, length);

  const audio = byRole(view, "audio");
  const play = byAction(view, "play");
  const finish = byAction(view, "finish");
  const position = byRole(view, "position");
  const time = byRole(view, "time");
  const pacer = byRole(view, "pacer");
  const breath = byRole(view, "breath");
  const cue = byRole(view, "cue");
  const captions = byRole(view, "captions");
  const before = byRole(view, "before");
  moodScale(byRole(view, "before-scale"), "mood_before", "before-scale");

  const rendition = downloads.playable(variant);
  audio.src = rendition.url;
  const track = h("track", { kind: "captions", src: variant.captions_url, srclang: detail?.language || "en", label: "Captions", default: true });
  audio.append(track);
  track.track.mode = "hidden"; // we draw the cues ourselves, under the pacer
  let events = [];
  api.timeline(variant.timeline_url).then((timeline) => {
    events = timeline.events;
    draw();
  }, () => {});

  // The practice, from the first Play on.
  let practice = null;
  let stage = "before"; // before -> playing -> checkin -> saved
  let played = 0;
  let lastTime = 0;

  const start = () => {
    if (!practice) {
      practice = {
        id: uuid(),
        exercise: slug,
        length_minutes: length,
        prescription_id: query.get("p") || null,
        started_at: new Date().toISOString(),
        mood_before: chosen(view, "mood_before"),
      };
      stage = "playing";
      context.practising(true);
      finish.hidden = false;
      before.hidden = true;
    }
    audio.play().catch(() => {
      cue.textContent = navigator.onLine
        ? "The audio could not start. Please try again."
        : "This practice needs a connection, or download it for offline use first.";
    });
  };
  const seek = (seconds) => {
    const end = Number.isFinite(audio.duration) ? audio.duration : variant.duration_ms / 1000;
    audio.currentTime = Math.min(Math.max(0, seconds), Math.max(0, end - 0.1));
    lastTime = audio.currentTime;
    showPosition();
  };
  const end = (completed) => {
    if (stage !== "playing") return;
    audio.pause();
    practice.duration_seconds = Math.max(1, Math.round(played));
    practice.completed = completed;
    stage = "checkin";
    main.replaceChildren();
    checkin(main, practice, context, () => {
      stage = "saved";
    });
  };

  // Lock screen and headset controls. WebKit forgets the handlers when playback starts, so
  // they are set again on every `playing`.
  const media = "mediaSession" in navigator ? navigator.mediaSession : null;
  const handlers = {
    play: start,
    pause: () => audio.pause(),
    seekbackward: (details) => seek(audio.currentTime - (details.seekOffset || SEEK_STEP)),
    seekforward: (details) => seek(audio.currentTime + (details.seekOffset || SEEK_STEP)),
    seekto: (details) => {
      if (details.fastSeek && "fastSeek" in audio) audio.fastSeek(details.seekTime);
      else seek(details.seekTime);
    },
  };
  const session = () => {
    if (!media) return;
    media.metadata = new MediaMetadata({ title, artist: "Interlude", album: kindName(kind), artwork: ARTWORK });
    for (const [action, handler] of Object.entries(handlers)) {
      try {
        media.setActionHandler(action, handler);
      } catch {
        // this browser does not know the action
      }
    }
  };
  const positionState = () => {
    if (!media?.setPositionState || !Number.isFinite(audio.duration) || audio.duration <= 0) return;
    media.setPositionState({
      duration: audio.duration,
      playbackRate: audio.playbackRate || 1,
      position: Math.min(audio.currentTime, audio.duration),
    });
  };
  session();

  let wakeLock = null;
  const stayAwake = async () => {
    try {
      wakeLock = (await navigator.wakeLock?.request("screen")) || null;
    } catch {
      wakeLock = null; // not allowed or not supported: the audio plays on regardless
    }
  };
  const letSleep = () => {
    wakeLock?.release().catch(() => {});
    wakeLock = null;
  };
  const onVisible = () => {
    if (document.visibilityState === "visible" && !audio.paused) stayAwake();
  };
  document.addEventListener("visibilitychange", onVisible);

  // The pacer follows the audio's clock, frame by frame while playing.
  let frame = 0;
  let still = false;
  const draw = () => {
    const now = audio.currentTime * 1000;
    const state = pacerAt(events, now);
    breath.style.setProperty("--scale", state.scale.toFixed(3));
    let text = "";
    if (state.words) text = state.remaining > 0 ? `${state.words} · ${state.remaining}` : state.words;
    else if (state.type === "say" && captions.checked) text = activeCue() || state.text;
    if (cue.textContent !== text) cue.textContent = text;
  };
  const activeCue = () => [...(track.track.activeCues || [])].map((c) => c.text).join(" ");
  const tick = () => {
    draw();
    frame = audio.paused ? 0 : requestAnimationFrame(tick);
  };
  const showPosition = () => {
    position.value = String(Math.floor(audio.currentTime));
    position.setAttribute("aria-valuetext", `${spokenTime(audio.currentTime)} of ${spokenTime(audio.duration || variant.duration_ms / 1000)}`);
    time.textContent = `${clock(audio.currentTime)} / ${clock(audio.duration || variant.duration_ms / 1000)}`;
  };

  audio.addEventListener("playing", () => {
    play.textContent = "Pause";
    session();
    positionState();
    stayAwake();
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(tick);
  });
  audio.addEventListener("pause", () => {
    play.textContent = "Play";
    positionState();
    letSleep();
    draw();
  });
  audio.addEventListener("loadedmetadata", () => {
    position.max = String(Math.floor(audio.duration));
    showPosition();
    positionState();
  });
  audio.addEventListener("seeked", () => {
    positionState();
    draw();
  });
  audio.addEventListener("ratechange", positionState);
  audio.addEventListener("timeupdate", () => {
    const step = audio.currentTime - lastTime;
    if (!audio.paused && !audio.seeking && step > 0 && step < 2) played += step;
    lastTime = audio.currentTime;
    showPosition();
  });
  audio.addEventListener("ended", () => end(true));
  track.addEventListener("cuechange", draw);

  play.addEventListener("click", () => (audio.paused ? start() : audio.pause()));
  play.disabled = false; // the page shows Play at once; it works from here on
  finish.addEventListener("click", () => end(audio.duration - audio.currentTime < 2));
  position.addEventListener("input", () => seek(Number(position.value)));
  captions.addEventListener("change", draw);
  const animation = byAction(view, "animation");
  animation.addEventListener("click", () => {
    still = !still;
    pacer.classList.toggle("still", still);
    animation.setAttribute("aria-pressed", String(still)); // a toggle: its name stays
  });
  offline(view, detail, variant, slug, length);
  showPosition();
  draw();

  // Leaving mid-practice keeps what was done: it is recorded as ended early.
  return async () => {
    cancelAnimationFrame(frame);
    document.removeEventListener("visibilitychange", onVisible);
    audio.pause();
    letSleep();
    if (media) {
      media.metadata = null;
      for (const action of Object.keys(handlers)) {
        try {
          media.setActionHandler(action, null);
        } catch {
          // unknown action
        }
      }
    }
    if (stage === "playing" || stage === "checkin") {
      if (stage === "playing") {
        practice.duration_seconds = Math.max(1, Math.round(played));
        practice.completed = false;
      }
      stage = "saved";
      await context.record(practice);
    }
    context.practising(false);
  };
}

function otherLengths(view, detail, slug, length) {
  const others = (detail?.lengths || []).filter((l) => l !== length);
  if (!others.length) return;
  const line = byRole(view, "other-lengths");
  line.hidden = false;
  line.append("Other lengths: ");
  for (const other of others) {
    line.append(h("a", { href: `#/play/${encodeURIComponent(slug)}/${other}` }, minutes(other)), " ");
  }
}

function offline(view, detail, variant, slug, length) {
  const text = byRole(view, "offline-text");
  const download = byAction(view, "download");
  const remove = byAction(view, "remove-download");
  const draw = () => {
    const kept = downloads.find(slug, length);
    download.hidden = Boolean(kept);
    remove.hidden = !kept;
    download.disabled = !detail;
    text.textContent = kept
      ? `Available offline: on this phone (${megabytes(kept.bytes)}).`
      : detail
        ? "Keep this practice on your phone to play it without a connection."
        : "Connect to download this practice.";
  };
  download.addEventListener("click", async () => {
    download.disabled = true;
    text.textContent = "Downloading…";
    try {
      await downloads.save(detail, variant);
    } catch {
      text.textContent = "The download did not finish. Please try again when the connection is better.";
      download.disabled = false;
      return;
    }
    draw();
    remove.focus();
  });
  remove.addEventListener("click", async () => {
    await downloads.remove(slug, length);
    draw();
    download.focus();
  });
  draw();
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
