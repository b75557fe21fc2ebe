// Clients: every linked client at a glance (last practice, this week's plan, mood trend), and
// a new invitation shown large, as a QR code, with a copy button and its expiry.

import * as api from "../api.js";
import { day, h, when } from "../ui.js";
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

function inviteCard() {
  const result = h("div", { class: "invite-result", "aria-live": "polite" });
  const button = h("button", { type: "button", class: "primary" }, "Create an invitation");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      showInvitation(result, await api.createInvitation());
    } catch (error) {
      result.replaceChildren(h("p", { class: "form-message error", role: "alert" }, problem(error)));
    } finally {
      button.disabled = false;
    }
  });
  return h("section", { class: "card invite", "aria-labelledby": "invite-heading" },
    h("h2", { id: "invite-heading" }, "Invite a client"),
    h("p", { class: "hint" }, "Your client enters the code under My therapists in their app, or scans the QR code with their phone. Each code works once."),
    button,
    result,
  );
}

function showInvitation(result, invitation) {
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
  result.replaceChildren(
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
