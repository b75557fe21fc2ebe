// A staff role's first screen until its own screens exist: a greeting, where the API is
// described, and sign-out.

import * as api from "../api.js";
import { byAction, byRole, clone } from "../ui.js";

export function home(main, _params, context) {
  const view = clone("t-staff");
  byRole(view, "greeting").textContent = `Hello${context.user.display_name ? `, ${context.user.display_name}` : ""}`;
  byAction(view, "signout").addEventListener("click", () => api.signOut());
  main.append(view);
}
