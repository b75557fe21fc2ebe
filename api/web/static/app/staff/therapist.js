// The therapist's screens and navigation (see STAFF in main.js): their clients, one client
// (adherence, mood, practices, prescriptions) and the summary before the next session.

export const home = "clients";
export const tabs = [{ screen: "clients", label: "Clients" }];
export const screens = {
  clients: () => import("./clients.js").then((m) => m.clients),
  client: () => import("./client.js").then((m) => m.client),
  summary: () => import("./summary.js").then((m) => m.summary),
};
