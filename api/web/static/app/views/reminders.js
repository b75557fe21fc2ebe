// Reminders: turn Web Push on or off for this phone (the browser asks for permission only
// when the person taps "Turn on", never on load), quiet hours, the daily time, and whether
// the note may name the practice.

import * as api from "../api.js";
import { busy, byAction, byRole, clearErrors, clone, say, show, showErrors, values } from "../ui.js";

const OFFLINE = "There is no connection just now. Please try again when you are back online.";
const supported = () => "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

export async function reminders(main) {
  const view = clone("t-reminders");
  main.append(view);
  const form = view.querySelector('[data-form="reminder-settings"]');
  const phone = { view, enable: byAction(view, "enable"), disable: byAction(view, "disable") };
  phone.enable.addEventListener("click", () => turnOn(phone));
  phone.disable.addEventListener("click", () => turnOff(phone));
  form.addEventListener("submit", (event) => save(event, form));
  let settings;
  try {
    settings = await api.reminderSettings();
  } catch (error) {
    return tell(phone, error instanceof api.Offline ? OFFLINE : error.message);
  }
  fillForm(form, settings);
  if (!settings.push_available) {
    phone.enable.disabled = true;
    return tell(phone, "This server is not set up to send reminders yet. Your settings are kept for when it is.");
  }
  await drawState(phone);
}

function fillForm(form, settings) {
  form.elements.quiet_start.value = settings.quiet_hours.start;
  form.elements.quiet_end.value = settings.quiet_hours.end;
  form.elements.daily_time.value = settings.daily_time;
  form.elements.name_exercise.checked = settings.name_exercise;
}

async function save(event, form) {
  event.preventDefault();
  clearErrors(form);
  const data = values(form);
  if (data.quiet_start === data.quiet_end) {
    return showErrors(form, { quiet_start: "Quiet hours need a start and an end that differ." });
  }
  await busy(form, async () => {
    try {
      await api.updateReminderSettings({
        quiet_hours: { start: data.quiet_start, end: data.quiet_end },
        daily_time: data.daily_time,
        name_exercise: form.elements.name_exercise.checked,
      });
      say(form, "Saved.");
    } catch (error) {
      showErrors(form, error.fields || {}, error instanceof api.Offline ? OFFLINE : error.message);
    }
  });
}

async function subscription() {
  if (!supported()) return null;
  const registration = await navigator.serviceWorker.ready;
  return registration.pushManager.getSubscription();
}

// On for this phone: the browser is subscribed and the server has that subscription for
// this person (someone else may have signed in on this phone before).
async function isOn() {
  const current = await subscription();
  if (!current) return false;
  try {
    return (await api.pushDevices()).some((device) => device.endpoint === current.endpoint);
  } catch {
    return true; // offline: the browser's word is the best there is
  }
}

async function drawState(phone) {
  const state = byRole(phone.view, "state");
  if (!supported()) {
    phone.enable.disabled = true;
    state.textContent = "This browser cannot show reminders. On an iPhone, add Interlude to your Home Screen first, then open it from there.";
    return;
  }
  const current = await isOn();
  const blocked = Notification.permission === "denied";
  state.textContent = current
    ? "Reminders are on for this phone."
    : blocked
      ? "Notifications are blocked for Interlude in this browser's settings. You can allow them there, then come back here."
      : "Reminders are off on this phone.";
  show(phone.enable, !current);
  show(phone.disable, Boolean(current));
  phone.enable.disabled = blocked;
}

function tell(phone, text) {
  const node = byRole(phone.view, "phone-message");
  node.textContent = text || "";
  node.hidden = !text;
}

async function turnOn(phone) {
  tell(phone, "");
  phone.enable.disabled = true;
  let made = null;
  try {
    // Asked here, on the person's tap, and nowhere else.
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      tell(phone, "Reminders need permission to show notifications. Nothing has changed.");
      return;
    }
    const key = await api.pushKey();
    const registration = await navigator.serviceWorker.ready;
    made = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    await api.addPushDevice(made.toJSON());
    made = null;
    await api.updateReminderSettings({ enabled: true });
    tell(phone, "Reminders are on. You can turn them off here at any time.");
  } catch (error) {
    // A browser subscription the server never heard of would only look like "on".
    await made?.unsubscribe().catch(() => {});
    tell(
      phone,
      error instanceof api.Offline
        ? OFFLINE
        : error instanceof api.ApiError
          ? error.message
          : "This phone could not sign up for reminders just now. Please try again later.",
    );
  } finally {
    phone.enable.disabled = false;
    await drawState(phone);
  }
}

async function turnOff(phone) {
  tell(phone, "");
  phone.disable.disabled = true;
  try {
    const current = await subscription();
    if (current) {
      const mine = (await api.pushDevices()).find((device) => device.endpoint === current.endpoint);
      if (mine) await api.removePushDevice(mine.id);
      await current.unsubscribe();
    }
    tell(phone, "Reminders are off on this phone.");
  } catch (error) {
    tell(phone, error instanceof api.Offline ? OFFLINE : error.message);
  } finally {
    phone.disable.disabled = false;
    await drawState(phone);
  }
}
