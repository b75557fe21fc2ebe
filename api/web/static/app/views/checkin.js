// After a practice (finished or ended early): mood after, an optional note with its own
// sharing switch, then the practice goes to the outbox and is sent.

import { busy, byRole, chosen, clone, moodScale } from "../ui.js";

export function checkin(main, practice, context, saved) {
  const view = clone("t-checkin");
  const form = view.querySelector("form");
  moodScale(byRole(view, "after-scale"), "mood_after");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const note = form.elements.note.value.trim();
    practice.mood_after = chosen(form, "mood_after");
    practice.note = note || null;
    practice.share_note = Boolean(note) && form.elements.share_note.checked;
    let outcome = null;
    await busy(form, async () => {
      saved();
      outcome = await context.record(practice);
    });
    context.practising(false);
    const done = clone("t-saved");
    if (outcome?.error) {
      byRole(done, "text").textContent =
        "Thank you for taking this time for yourself. It is kept on this phone and will be sent when you are back online.";
    }
    focusHeading(main, done);
  });
  focusHeading(main, view);
}

function focusHeading(main, view) {
  const heading = view.querySelector("h1");
  heading.tabIndex = -1;
  main.replaceChildren(view);
  heading.focus();
}
