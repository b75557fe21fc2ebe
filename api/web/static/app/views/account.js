// Account: name, time zone, when the day starts, password, downloads on this phone, the
// export as a file, sign out, and erasing the account (with the password).

import * as api from "../api.js";
import * as downloads from "../downloads.js";
import * as outbox from "../outbox.js";
import { busy, byAction, byRole, clearErrors, clone, h, megabytes, minutes, say, showErrors, values } from "../ui.js";

export async function account(main, _params, context) {
  const view = clone("t-account");
  main.append(view);
  profile(view, context);
  password(view);
  kept(view);
  exportButton(view);
  byAction(view, "signout").addEventListener("click", () => signOut(context));
  erase(view, context); // wired before anything is awaited, like every control here
  const waiting = (await outbox.waiting(context.user.id)).length;
  if (waiting) {
    byRole(view, "signout-text").textContent =
      `${waiting === 1 ? "1 practice is" : `${waiting} practices are`} still waiting to be sent. ` +
      "They stay on this phone and are sent when you sign in again. Your downloads stay too.";
  }
}

function offlineOr(error) {
  return error instanceof api.Offline ? "There is no connection just now. Please try again when you are back online." : null;
}

function profile(view, context) {
  const form = view.querySelector('[data-form="profile"]');
  const me = context.user;
  const zones = Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : [me.timezone];
  if (!zones.includes(me.timezone)) zones.unshift(me.timezone);
  form.elements.timezone.append(...zones.map((zone) => h("option", { value: zone }, zone.replace(/_/g, " "))));
  form.elements.display_name.value = me.display_name || "";
  form.elements.timezone.value = me.timezone;
  form.elements.day_starts_at.value = me.day_starts_at || "03:00";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const data = values(form);
    await busy(form, async () => {
      try {
        const updated = await api.updateProfile({
          display_name: data.display_name.trim() || null,
          timezone: data.timezone,
          day_starts_at: data.day_starts_at,
        });
        context.signedIn(updated);
        say(form, "Saved.");
      } catch (error) {
        showErrors(form, error.fields || {}, offlineOr(error) || error.message);
      }
    });
  });
}

function password(view) {
  const form = view.querySelector('[data-form="password"]');
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const data = values(form);
    if (!data.current_password || !data.new_password) {
      return showErrors(form, {
        ...(data.current_password ? {} : { current_password: "Enter your current password." }),
        ...(data.new_password ? {} : { new_password: "Enter a new password of at least 12 characters." }),
      });
    }
    await busy(form, async () => {
      try {
        await api.changePassword(data.current_password, data.new_password);
        form.reset();
        say(form, "Your password is changed. Other devices are signed out; this one stays signed in.");
      } catch (error) {
        showErrors(form, error.fields || {}, offlineOr(error) || error.message);
      }
    });
  });
}

async function kept(view) {
  const list = byRole(view, "downloads");
  const draw = async () => {
    const entries = downloads.list();
    list.replaceChildren(
      ...entries.map((entry) => {
        const remove = h("button", { type: "button", class: "quiet" }, "Remove");
        remove.setAttribute("aria-label", `Remove ${entry.title}, ${minutes(entry.minutes)}`);
        remove.addEventListener("click", async () => {
          await downloads.remove(entry.slug, entry.minutes);
          draw();
        });
        return h("li", {}, h("strong", {}, entry.title), ` · ${minutes(entry.minutes)} · ${megabytes(entry.bytes)} `, remove);
      }),
    );
    const { total, quota, persisted } = await downloads.usage();
    byRole(view, "usage").textContent = entries.length
      ? `${entries.length === 1 ? "1 practice uses" : `${entries.length} practices use`} ${megabytes(total)}` +
        (quota ? ` of the ${megabytes(quota)} this browser allows.` : ".") +
        (persisted ? " They are kept even when space runs low." : "")
      : "No practices are downloaded. Use “Download for offline” on a practice to keep it here.";
  };
  await draw();
}

function exportButton(view) {
  const button = byAction(view, "export");
  const message = byRole(view, "export-message");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const blob = await api.exportData();
      const link = h("a", { href: URL.createObjectURL(blob), download: `interlude-${new Date().toISOString().slice(0, 10)}.json` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      message.textContent = "Your data is downloading as a file.";
    } catch (error) {
      message.textContent = offlineOr(error) || error.message;
    } finally {
      message.hidden = false;
      button.disabled = false;
    }
  });
}

async function signOut() {
  await api.signOut();
}

function erase(view, context) {
  const form = view.querySelector('[data-form="erase"]');
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const { password: secret } = values(form);
    if (!secret) return showErrors(form, { password: "Enter your password to confirm." });
    await busy(form, async () => {
      try {
        const id = context.user.id;
        await api.eraseAccount(secret);
        for (const item of await outbox.items(id)) await outbox.remove(item.id);
      } catch (error) {
        if (error.status === 422 || error.status === 401) {
          return showErrors(form, { password: error.fields?.password || "That password is not right." });
        }
        showErrors(form, {}, offlineOr(error) || error.message);
      }
    });
  });
}
