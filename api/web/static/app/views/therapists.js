// My therapists: connect with an invitation code choosing what to share, change it, end a
// link; and the access log (who looked at my data, when).

import * as api from "../api.js";
import {
  busy, byAction, byRole, clearErrors, clone, day, fill, h, say, showErrors, values, wait, when,
} from "../ui.js";

// What a therapist may see, one labelled switch each (a new kind of sharing is one more line).
// Without share_history they see only practices from the moment you connected.
const SHARING = [
  ["share_mood", "My mood ratings"],
  ["share_notes", "Notes I choose to share"],
  ["share_history", "Share my earlier practices (from before we connected)"],
];
const WHAT = {
  summary: "your summary", practices: "your practices", adherence: "how your plan is going",
  prescriptions: "your plan", export: "an export", agenda: "the things you shared for your next session",
  "session summary": "a summary before your next session",
};

export async function therapists(main, _params, _context, query) {
  const view = clone("t-therapists");
  main.append(view);
  const form = view.querySelector('[data-form="accept"]');
  switches(byRole(form, "sharing"), "new", {});
  // An invitation's link (#/therapists?code=…) fills the code in; the person still chooses.
  const invited = query?.get("code");
  if (invited) {
    form.elements.namedItem("code").value = invited;
    say(form, "Your invitation code is filled in. Choose what to share, then connect.");
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const code = values(form).code.trim();
    if (!code) return showErrors(form, { code: "Enter the code your therapist gave you." });
    await busy(form, async () => {
      try {
        const link = await api.acceptInvitation(code, chosenSharing(form));
        form.reset();
        say(form, `You are connected with ${link.therapist.display_name || "your therapist"}.`);
        await draw(view);
      } catch (error) {
        if (error instanceof api.Offline) return showErrors(form, {}, "There is no connection just now. Please try again when you are back online.");
        if (error.status === 404) return showErrors(form, { code: "This code is not valid any more. Please check it, or ask your therapist for a new one." });
        if (error.status === 409) return showErrors(form, {}, "You are already connected with this therapist.");
        if (error.status === 429) return showErrors(form, {}, `Too many tries for now. Please wait ${wait(error.retryAfter)} and try again.`);
        showErrors(form, error.fields, error.message);
      }
    });
  });
  await draw(view);
}

async function draw(view) {
  const [links, log] = await Promise.all([api.therapists().catch(() => null), api.accessLog().catch(() => null)]);
  const list = byRole(view, "links");
  list.replaceChildren(...(links || []).map((link) => linkCard(link, view)));
  const entries = byRole(view, "log");
  entries.replaceChildren(
    ...(log || []).map((entry) =>
      h("li", {}, h("strong", {}, entry.therapist.display_name || "A therapist"), ` looked at ${WHAT[entry.what] || entry.what}`, h("br"), h("span", { class: "meta" }, when(entry.at))),
    ),
  );
  byRole(view, "log-empty").hidden = Boolean(log?.length);
  if (!log) byRole(view, "log-empty").textContent = "The access log will show here once you are online.";
}

function linkCard(link, view) {
  const card = clone("t-link");
  const name = link.therapist.display_name || "Your therapist";
  fill(card, { name, since: `Connected since ${day(link.created_at)}` });
  const form = card.querySelector('[data-form="sharing"]');
  switches(byRole(form, "sharing"), link.therapist.id, link);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await busy(form, async () => {
      try {
        await api.updateSharing(link.therapist.id, chosenSharing(form));
        say(form, "Saved. This applies at once to everything they can see.");
      } catch (error) {
        say(form, error instanceof api.Offline ? "There is no connection just now." : error.message, "error");
      }
    });
  });
  const confirm = byRole(card, "confirm");
  byRole(card, "confirm-text").textContent =
    `${name} will no longer see anything of yours, and their practices for you will end today.`;
  byAction(card, "end").addEventListener("click", () => {
    confirm.hidden = false;
    byAction(card, "end-confirm").focus();
  });
  byAction(card, "end-cancel").addEventListener("click", () => {
    confirm.hidden = true;
    byAction(card, "end").focus();
  });
  byAction(card, "end-confirm").addEventListener("click", async () => {
    try {
      await api.endLink(link.therapist.id);
      await draw(view);
      byRole(view, "links").focus?.();
    } catch (error) {
      byRole(card, "confirm-text").textContent = error instanceof api.Offline ? "There is no connection just now." : error.message;
    }
  });
  return card;
}

function switches(fieldset, id, current) {
  for (const [field, label] of SHARING) {
    const input = h("input", { type: "checkbox", name: field, id: `${field}-${id}`, checked: Boolean(current[field]) });
    fieldset.append(h("label", { class: "check", for: `${field}-${id}` }, input, ` ${label}`));
  }
}

function chosenSharing(form) {
  return Object.fromEntries(SHARING.map(([field]) => [field, form.elements[field].checked]));
}
