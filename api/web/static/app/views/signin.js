// Signed out: the start page (sign up) and sign in.

import * as api from "../api.js";
import { busy, clearErrors, clone, say, showErrors, values, wait } from "../ui.js";

export function welcome(main, _params, context) {
  screen(main, context, "t-welcome", "signup", (data) =>
    api.signUp({
      email: data.email.trim(),
      password: data.password,
      display_name: data.display_name.trim(),
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC",
    }),
  );
}

export function signin(main, _params, context) {
  screen(main, context, "t-signin", "signin", (data) => api.signIn(data.email.trim(), data.password));
}

// Both forms: check, send, then Today; or say what went wrong, next to the field it concerns.
function screen(main, context, template, kind, send) {
  const view = clone(template);
  const form = view.querySelector("form");
  note(form, context);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const data = values(form);
    const missing = required(data);
    if (missing) return showErrors(form, missing);
    await busy(form, async () => {
      try {
        context.signedIn(await send(data));
        context.go(context.takeDestination());
      } catch (error) {
        explain(form, error, kind);
      }
    });
  });
  main.append(view);
}

function note(form, context) {
  const text = context.takeNote();
  if (text) say(form, text);
}

function required(data) {
  const missing = {};
  if (!data.email?.trim()) missing.email = "Enter your email address.";
  if (!data.password) missing.password = "Enter a password.";
  return Object.keys(missing).length ? missing : null;
}

function explain(form, error, kind) {
  if (error instanceof api.Offline) {
    return showErrors(form, {}, "There is no connection just now. Please try again when you are back online.");
  }
  if (error.status === 429) {
    return showErrors(form, {}, `Too many tries for now. Please wait ${wait(error.retryAfter)} and try again.`);
  }
  // Sign-up answers alike whether or not the address has an account; the sign-in after it
  // is where a taken address shows.
  if (error.afterRegister) {
    return showErrors(
      form,
      {},
      "We could not sign you in with these details. This email may already have an account: try signing in instead.",
    );
  }
  // An admin disabled the account: the server says so only to someone with the right password.
  if (kind === "signin" && error.status === 401 && error.message.includes("disabled")) {
    return showErrors(form, {}, error.message);
  }
  if (kind === "signin" && error.status === 401) {
    return showErrors(form, {}, "That email and password do not match an account. Please check them and try again.");
  }
  if (error.status === 422) return showErrors(form, error.fields, error.message);
  showErrors(form, {}, "Something went wrong on our side. Please try again in a moment.");
}
