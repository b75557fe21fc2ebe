// Signed out and locked out: ask for a link by mail (#/forgot), then choose a new password
// with the link's token (#/reset?token=…).

import * as api from "../api.js";
import { busy, byRole, clearErrors, clone, say, showErrors, values, wait } from "../ui.js";

export function forgot(main) {
  const view = clone("t-forgot");
  const form = view.querySelector("form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const email = values(form).email.trim();
    if (!email) return showErrors(form, { email: "Enter the email address of your account." });
    await busy(form, async () => {
      try {
        const answer = await api.requestPasswordReset(email);
        say(form, answer.message);
      } catch (error) {
        trouble(form, error);
      }
    });
  });
  main.append(view);
}

export function reset(main, _params, _context, query) {
  const view = clone("t-reset");
  const form = view.querySelector("form");
  const token = query?.get("token") || "";
  if (!token) {
    form.hidden = true;
    byRole(view, "again").hidden = false;
    byRole(view, "missing").hidden = false;
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const { password } = values(form);
    if (!password) return showErrors(form, { password: "Enter a new password." });
    await busy(form, async () => {
      try {
        await api.confirmPasswordReset(token, password);
        form.hidden = true;
        const done = byRole(view, "done");
        done.hidden = false;
        done.querySelector("a").focus();
      } catch (error) {
        if (error.status === 404) byRole(view, "again").hidden = false;
        trouble(form, error);
      }
    });
  });
  main.append(view);
}

function trouble(form, error) {
  if (error instanceof api.Offline) {
    return showErrors(form, {}, "There is no connection just now. Please try again when you are back online.");
  }
  if (error.status === 429) {
    return showErrors(form, {}, `Too many tries for now. Please wait ${wait(error.retryAfter)} and try again.`);
  }
  if (error.status === 404 || error.status === 422) return showErrors(form, error.fields, error.message);
  showErrors(form, {}, "Something went wrong on our side. Please try again in a moment.");
}
