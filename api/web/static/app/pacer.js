// The breathing pacer at a moment of the audio, from the timeline's events: inhale grows,
// hold rests where the breath left it, exhale shrinks. Pure, so it is the same at every frame.

export const LOW = 0.55;
export const HIGH = 1;
export const WORDS = { inhale: "Breathe in", hold: "Hold", exhale: "Breathe out" };

// The index of the event under `ms` (events are ordered and do not overlap), else -1.
export function eventIndex(events, ms) {
  let low = 0;
  let high = events.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const event = events[middle];
    if (ms < event.at_ms) high = middle - 1;
    else if (ms >= event.until_ms) low = middle + 1;
    else return middle;
  }
  return -1;
}

const ease = (t) => (1 - Math.cos(Math.PI * t)) / 2;

export function pacerAt(events, ms) {
  const index = eventIndex(events, ms);
  const event = events[index];
  if (!event) return { type: "rest", scale: LOW, words: "", text: "", remaining: 0 };
  const span = Math.max(1, event.until_ms - event.at_ms);
  const progress = Math.min(1, Math.max(0, (ms - event.at_ms) / span));
  let scale = LOW;
  if (event.type === "inhale") scale = LOW + (HIGH - LOW) * ease(progress);
  else if (event.type === "exhale") scale = HIGH - (HIGH - LOW) * ease(progress);
  else if (event.type === "hold") scale = lastBreath(events, index) === "inhale" ? HIGH : LOW;
  return {
    type: event.type,
    scale,
    words: WORDS[event.type] || "",
    text: event.text || "",
    remaining: Math.ceil((event.until_ms - ms) / 1000),
  };
}

function lastBreath(events, index) {
  for (let i = index - 1; i >= 0; i -= 1) {
    if (events[i].type === "inhale" || events[i].type === "exhale") return events[i].type;
  }
  return "exhale";
}
