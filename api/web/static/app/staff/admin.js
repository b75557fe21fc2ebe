// The admin's screens and navigation (see STAFF in main.js).

export const home = "home";
export const tabs = [{ screen: "home", label: "Home" }];
export const screens = {
  home: () => import("./home.js").then((m) => m.home),
};
