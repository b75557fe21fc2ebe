// Staff (admin): create therapist, editor and admin accounts; see every staff account; disable
// one after a confirmation (its sessions end at once), or enable it again.

import * as api from "../api.js";
import { busy, clearErrors, h, say, showErrors, values, when } from "../ui.js";

const ROLES = { therapist: "Therapist", editor: "Editor", admin: "Admin" };

export async function accounts(main, _params, context) {
  const form = createForm();
  const rows = h("tbody");
  const listMessage = h("p", { class: "form-message", role: "status" });
  const dialog = confirmDialog();
  main.append(
    h(
      "section",
      { class: "view staff-view accounts-view" },
      h("h1", {}, "Staff accounts"),
      h(
        "div",
        { class: "accounts-grid" },
        form,
        h(
          "section",
          { class: "card", "aria-labelledby": "staff-list-heading" },
          h("h2", { id: "staff-list-heading" }, "Everyone on the staff"),
          listMessage,
          h(
            "table",
            { class: "staff-table" },
            h("caption", { class: "sr-only" }, "Staff accounts"),
            h("thead", {}, h("tr", {}, ["Name", "Email", "Role", "Since", "State", ""].map((t) => h("th", { scope: "col" }, t)))),
            rows,
          ),
        ),
      ),
      dialog.node,
    ),
  );

  const draw = async () => {
    let people;
    try {
      people = await api.staff();
    } catch (error) {
      listMessage.textContent = `The list could not be loaded: ${error.message}`;
      return;
    }
    rows.replaceChildren(...people.map((person) => row(person, context, dialog, draw, listMessage)));
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(form);
    busy(form, async () => {
      const data = values(form);
      if (!data.display_name) delete data.display_name;
      try {
        const made = await api.createAccount(data);
        form.reset();
        say(form, `${ROLES[made.role]} account made for ${made.email}. Give them the password by a safe route; they can change it under Account.`);
        await draw();
      } catch (error) {
        showErrors(form, error.fields, error.message);
      }
    });
  });
  await draw();
}

function row(person, context, dialog, redraw, message) {
  const disabled = Boolean(person.disabled_at);
  const name = person.display_name || person.email;
  let action = null;
  if (person.id !== context.user.id) {
    action = h("button", { type: "button", class: disabled ? "quiet" : "danger" }, disabled ? "Enable" : "Disable");
    action.setAttribute("aria-label", `${disabled ? "Enable" : "Disable"} ${name}`);
    action.addEventListener("click", async () => {
      if (!disabled && !(await dialog.ask(person))) return;
      let said;
      try {
        await (disabled ? api.enableAccount(person.id) : api.disableAccount(person.id));
        said = disabled ? `${name} can sign in again.` : `${name} is disabled and signed out everywhere.`;
      } catch (error) {
        said = error.message;
      }
      await redraw();
      message.textContent = said;
    });
  }
  return h(
    "tr",
    { class: disabled ? "is-disabled" : null },
    h("th", { scope: "row" }, person.display_name || "—"),
    h("td", {}, person.email),
    h("td", {}, ROLES[person.role] || person.role),
    h("td", {}, new Date(person.created_at).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" })),
    h("td", {}, disabled ? `Disabled ${when(person.disabled_at)}` : "Active"),
    h("td", {}, action || h("span", { class: "hint" }, "You")),
  );
}

function createForm() {
  const field = (id, label, input) => h("div", { class: "field" }, h("label", { for: id }, label), input, h("p", { class: "field-error", "data-error": input.name, hidden: true }));
  const role = h("select", { id: "new-role", name: "role", required: true }, Object.entries(ROLES).map(([value, label]) => h("option", { value }, label)));
  return h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "new-account-heading" },
    h("h2", { id: "new-account-heading" }, "New staff account"),
    h("p", { class: "form-message", "data-role": "message", hidden: true }),
    field("new-name", "Name", h("input", { id: "new-name", name: "display_name", maxlength: 100, autocomplete: "off" })),
    field("new-email", "Email", h("input", { id: "new-email", name: "email", type: "email", required: true, autocomplete: "off" })),
    field("new-role", "Role", role),
    field("new-password", "First password (12 characters or more)", h("input", { id: "new-password", name: "password", type: "password", required: true, minlength: 12, autocomplete: "new-password" })),
    h("button", { type: "submit", class: "primary" }, "Create account"),
  );
}

// A modal question: resolves true when the admin confirms.
function confirmDialog() {
  const text = h("p", { id: "confirm-text" });
  const yes = h("button", { type: "button", class: "danger" }, "Disable account");
  const no = h("button", { type: "button", class: "quiet" }, "Keep it");
  const node = h(
    "dialog",
    { class: "confirm", "aria-labelledby": "confirm-heading", "aria-describedby": "confirm-text" },
    h("h2", { id: "confirm-heading" }, "Disable this account?"),
    text,
    h("div", { class: "form-actions" }, yes, no),
  );
  let answer = null;
  yes.addEventListener("click", () => node.close("yes"));
  no.addEventListener("click", () => node.close("no"));
  node.addEventListener("close", () => answer?.(node.returnValue === "yes"));
  return {
    node,
    ask(person) {
      text.textContent = `${person.display_name || person.email} (${person.email}) will be signed out everywhere at once and cannot sign in until an admin enables the account again. Nothing they made is deleted.`;
      node.returnValue = "";
      node.showModal();
      no.focus();
      return new Promise((resolve) => {
        answer = resolve;
      });
    },
  };
}
