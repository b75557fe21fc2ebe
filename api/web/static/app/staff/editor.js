// The editor's screens and navigation (see STAFF in main.js).

export const home = "scripts";
export const tabs = [
  { screen: "scripts", label: "Scripts" },
  { screen: "script", label: "Write" },
  { screen: "recordings", label: "Recordings" },
  { screen: "publish", label: "Render and publish" },
];
export const screens = {
  scripts: () => import("./scripts.js").then((m) => m.scripts),
  script: () => import("./script.js").then((m) => m.script),
  recordings: () => import("./recordings.js").then((m) => m.recordings),
  publish: () => import("./publish.js").then((m) => m.publish),
};
