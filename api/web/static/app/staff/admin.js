// The admin's screens and navigation (see STAFF in main.js): staff accounts, and everything an
// editor does (the API lets admins edit too).

import * as editor from "./editor.js";

export const home = "staff";
export const tabs = [{ screen: "staff", label: "Staff" }, ...editor.tabs];
export const screens = {
  staff: () => import("./accounts.js").then((m) => m.accounts),
  ...editor.screens,
};
