// "Need help now?": the crisis contacts this service lists (kept for offline use by the
// service worker), and the plain statement that nobody is watching.

import * as api from "../api.js";
import { byField, byRole, clone, fill } from "../ui.js";

export async function support(main) {
  const view = clone("t-support");
  main.append(view);
  let answer;
  try {
    answer = await api.support();
  } catch {
    return; // the text in the page (emergency services) stands
  }
  byRole(view, "statement").textContent = answer.not_monitored;
  byRole(view, "placeholder").hidden = !answer.placeholder;
  byRole(view, "contacts").replaceChildren(...answer.contacts.map(contact));
}

function contact(entry) {
  const card = clone("t-contact");
  fill(card, { name: entry.name, description: entry.description, hours: entry.hours ? `Open ${entry.hours}` : "" });
  const links = { phone: ["tel:", "Call"], sms: ["sms:", "Text"], url: ["", "Visit the website of"] };
  for (const [field, [scheme, verb]] of Object.entries(links)) {
    if (!entry[field]) continue;
    const link = byField(card, field);
    link.hidden = false;
    link.href = scheme + (field === "url" ? entry.url : entry[field].replace(/[^\d+]/g, ""));
    link.textContent = field === "url" ? "Website" : `${verb} ${entry[field]}`;
    link.setAttribute("aria-label", field === "url" ? `${verb} ${entry.name}` : `${verb} ${entry.name} on ${entry[field]}`);
  }
  return card;
}
