// Clients: every linked client at a glance (last practice, this week's plan, mood trend), and
// a new invitation (mailed to the client if the therapist gives an address) shown large, as a
// QR code, with a copy button and its expiry.

import * as api from "../api.js";
import { busy, clearErrors, day, h, showErrors, when } from "../ui.js";
import { qrSvg } from "./qr.js";

export async function clients(main, _params, context) {
  const list = h("div", { class: "staff-list", "aria-busy": "true" });
  const invite = inviteCard();
  main.append(
    h("section", { class: "view staff-view" },
      h("div", { class: "staff-heading" },
        h("h1", {}, "Clients"),
        h("p", { class: "meta" }, context.user.display_name ? `Signed in as ${context.user.display_name}` : ""),
      ),
      invite,
      h("section", { class: "card", "aria-labelledby": "clients-heading" },
        h("h2", { id: "clients-heading" }, "Your clients"),
        list,
      ),
    ),
  );
  try {
    const rows = await api.clients();
    list.replaceChildren(rows.length ? table(rows) : h("p", {}, "No one is linked with you yet. Create an invitation above and give the code to your client."));
  } catch (error) {
    list.replaceChildren(h("p", { class: "form-message error", role: "alert" }, problem(error)));
  }
  list.removeAttribute("aria-busy");
}

function table(rows) {
  return h("table", { class: "clients-table" },
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, "Client"),
      h("th", { scope: "col" }, "Last practice"),
      h("th", { scope: "col" }, "Last 7 days"),
      h("th", { scope: "col" }, "Mood (before → after)"),
    )),
    h("tbody", {}, rows.map((row) => h("tr", {},
      h("th", { scope: "row" }, h("a", { href: `#/client/${row.id}` }, row.display_name || "Unnamed client")),
      h("td", {}, row.last_practice_at ? when(row.last_practice_at) : "None yet"),
      h("td", {}, adherenceText(row.adherence_7d)),
      h("td", {}, moodTrend(row.recent_moods)),
    ))),
  );
}

export function adherenceText({ expected, done }) {
  if (!expected) return done ? `${done} done, none planned` : "Nothing planned";
  return `${done} of ${expected} done`;
}

// A sparkline of mood after each recent practice, with the mean change in words beside it.
function moodTrend(moods) {
  if (moods === null) return h("span", { class: "meta" }, "Not shared");
  if (!moods.length) return h("span", { class: "meta" }, "No ratings yet");
  const change = moods.reduce((sum, m) => sum + m.mood_after - m.mood_before, 0) / moods.length;
  const words = `${change >= 0 ? "+" : ""}${change.toFixed(1)} on average over ${moods.length} practice${moods.length === 1 ? "" : "s"}`;
  const width = 96;
  const step = moods.length > 1 ? width / (moods.length - 1) : 0;
  const y = (mood) => 22 - mood * 2;
  const points = moods.map((m, i) => `${(i * step).toFixed(1)},${y(m.mood_after)}`).join(" ");
  return h("span", { class: "trend" },
    h("svg", { viewBox: "-2 0 100 24", width: 100, height: 24, "aria-hidden": "true", class: "sparkline" },
      h("polyline", { points, fill: "none", stroke: "currentColor", "stroke-width": 2 })),
    h("span", {}, words),
  );
}

// The invitation form: an optional address to mail it to, then the code shown large (mailed or
// not, it is there to read aloud). An address the API refuses is shown at the field.
function inviteCard() {
  const result = h("div", { class: "invite-result", "aria-live": "polite" });
  const form = h("form", { class: "invite-form", novalidate: true },
    h("p", { class: "form-message", "data-role": "message", hidden: true }),
    h("div", { class: "field" },
      h("label", { for: "invite-email" }, "Their email address ", h("span", { class: "optional" }, "(optional)")),
      h("input", { id: "invite-email", name: "email", type: "email", autocomplete: "off", spellcheck: "false", "aria-describedby": "invite-email-hint" }),
      h("p", { class: "hint", id: "invite-email-hint" }, "We send them the invitation: the code, and a link that opens it in the app. Leave it empty to pass the code on yourself."),
      h("p", { class: "field-error", "data-error": "email", hidden: true }),
    ),
    h("button", { type: "submit", class: "primary" }, "Create an invitation"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const email = form.elements.email.value.trim();
    result.replaceChildren();
    await busy(form, async () => {
      try {
        const invitation = await api.createInvitation(email);
        form.reset();
        showInvitation(result, invitation, email);
      } catch (error) {
        showErrors(form, error.fields || {}, problem(error));
      }
    });
  });
  return h("section", { class: "card invite", "aria-labelledby": "invite-heading" },
    h("h2", { id: "invite-heading" }, "Invite a client"),
    h("p", { class: "hint" }, "Your client enters the code under My therapists in their app, or scans the QR code with their phone. Each code works once."),
    form,
    result,
  );
}

function showInvitation(result, invitation, email) {
  const link = `${location.origin}/#/therapists?code=${encodeURIComponent(invitation.code)}`;
  const copy = h("button", { type: "button" }, "Copy code");
  const copied = h("span", { class: "meta", role: "status" });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(invitation.code);
      copied.textContent = "Copied.";
    } catch {
      copied.textContent = "Copying is not allowed here; select the code and copy it instead.";
    }
  });
  const qr = qrSvg(link);
  qr.setAttribute("role", "img");
  qr.setAttribute("aria-label", "QR code that opens the invitation in the Interlude app");
  const sent = email
    ? `We have mailed this invitation to ${email}. It should arrive in a minute or two; the code is here too, to read out if you like.`
    : "Nothing was mailed: give your client this code, or let them scan the QR code.";
  result.replaceChildren(
    h("p", { class: "invite-sent", "data-role": "sent" }, sent),
    h("div", { class: "invite-code-row" },
      h("div", {},
        h("p", { class: "meta" }, "Invitation code"),
        h("p", { class: "invite-code", "data-role": "code" }, invitation.code),
        h("p", {}, copy, " ", copied),
        h("p", { class: "meta" }, `Valid until ${day(invitation.expires_at)}, ${new Date(invitation.expires_at).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })}.`),
      ),
      h("div", { class: "qr" }, qr),
    ),
  );
}

export function problem(error) {
  if (error instanceof api.Offline) return "There is no connection just now. Please try again in a moment.";
  return error.message || "Something went wrong. Please try again.";
}
