// Things to bring to my next session: jot an item at any time, choose for each whether your
// therapist may see it, mark it done, delete it. Reached from Today.

import * as api from "../api.js";
import { busy, clearErrors, h, say, showErrors } from "../ui.js";

export async function agenda(main) {
  const list = h("ul", { class: "agenda-list", "aria-live": "polite" });
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "agenda-add" },
    h("h2", { id: "agenda-add" }, "Add something"),
    h("p", { class: "form-message", "data-role": "message", hidden: true }),
    h("div", { class: "field" },
      h("label", { for: "agenda-text" }, "What would you like to talk about?"),
      h("textarea", { id: "agenda-text", name: "text", rows: 3, maxlength: 1000, required: true }),
      h("p", { class: "field-error", "data-error": "text", hidden: true }),
    ),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "shared", checked: true }), " My therapist may see this"),
    h("button", { type: "submit", class: "primary" }, "Add"),
  );
  main.append(h("section", { class: "view" },
    h("p", {}, h("a", { href: "#/today" }, "Back to Today")),
    h("h1", {}, "Things to bring to my next session"),
    h("p", { class: "lead" }, "Jot down anything you would like to bring up, whenever it comes to mind. You choose for each one whether your therapist may see it before you meet."),
    form,
    h("section", { class: "card", "aria-labelledby": "agenda-list" }, h("h2", { id: "agenda-list" }, "Your list"), list),
  ));
  const draw = async () => {
    try {
      const items = await api.agenda();
      list.replaceChildren(...(items.length ? items.map((item) => row(item, draw)) : [h("li", { class: "meta" }, "Nothing here yet.")]));
    } catch (error) {
      list.replaceChildren(h("li", { class: "form-message error" }, offlineOr(error)));
    }
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const text = form.elements.text.value.trim();
    if (!text) return showErrors(form, { text: "Write a few words first." });
    await busy(form, async () => {
      try {
        await api.addAgendaItem({ text, shared: form.elements.shared.checked });
        form.elements.text.value = "";
        say(form, "Added to your list.");
        await draw();
      } catch (error) {
        showErrors(form, error.fields || {}, offlineOr(error));
      }
    });
  });
  await draw();
}

function offlineOr(error) {
  return error instanceof api.Offline ? "There is no connection just now. Your list will be here when you are back online." : error.message;
}

function row(item, redraw) {
  const change = async (changes) => {
    try {
      await api.updateAgendaItem(item.id, changes);
    } finally {
      await redraw();
    }
  };
  const done = h("input", { type: "checkbox", checked: Boolean(item.done_at), "aria-label": `Done: ${item.text}` });
  done.addEventListener("change", () => change({ done: done.checked }));
  const shared = h("input", { type: "checkbox", checked: item.shared, "aria-label": `Therapist may see: ${item.text}` });
  shared.addEventListener("change", () => change({ shared: shared.checked }));
  const remove = h("button", { type: "button", class: "quiet", "aria-label": `Delete: ${item.text}` }, "Delete");
  remove.addEventListener("click", async () => {
    remove.disabled = true;
    try {
      await api.deleteAgendaItem(item.id);
    } finally {
      await redraw();
    }
  });
  return h("li", { class: `agenda-item${item.done_at ? " is-done" : ""}` },
    h("label", { class: "check" }, done, h("span", { class: "agenda-text" }, item.text)),
    h("div", { class: "agenda-controls" },
      h("label", { class: "check small" }, shared, " Therapist may see"),
      remove,
    ),
  );
}
