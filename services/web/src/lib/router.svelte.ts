// Every view and filter lives in the address (path + query), so a view can be shared and
// the back button works. The server answers index.html on these paths (services/api/dashboard.py).
export type View = "map" | "rollups" | "alliance" | "catalyst" | "compare" | "console" | "not-found";

export const address = $state({
  path: window.location.pathname,
  search: window.location.search,
});

export interface Route {
  view: View;
  id: string | null;
}

export function matchRoute(path: string): Route {
  if (path === "/" || path === "") return { view: "map", id: null };
  if (path === "/rollups") return { view: "rollups", id: null };
  if (path === "/compare") return { view: "compare", id: null };
  if (path === "/console") return { view: "console", id: null };
  const item = /^\/(alliances|catalysts)\/([^/]+)$/.exec(path);
  if (item?.[1] && item[2]) {
    return { view: item[1] === "alliances" ? "alliance" : "catalyst", id: decodeURIComponent(item[2]) };
  }
  return { view: "not-found", id: null };
}

export function queryParam(name: string): string | null {
  return new URLSearchParams(address.search).get(name);
}

function go(url: string, replace: boolean): void {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  address.path = window.location.pathname;
  address.search = window.location.search;
}

/** Go to another view; the language (a preference, not a filter) follows. */
export function navigate(path: string, params: Record<string, string | null | undefined> = {}): void {
  const query = new URLSearchParams();
  const lang = queryParam("lang");
  if (lang) query.set("lang", lang);
  for (const [name, value] of Object.entries(params)) if (value) query.set(name, value);
  const search = query.toString();
  go(path + (search ? `?${search}` : ""), false);
}

/** Change some filters of the current view (null removes one). */
export function setQuery(changes: Record<string, string | null | undefined>, replace = false): void {
  const query = new URLSearchParams(address.search);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === "") query.delete(name);
    else query.set(name, value);
  }
  const search = query.toString();
  go(address.path + (search ? `?${search}` : ""), replace);
}

/** Links inside the dashboard change the view without reloading the page. */
export function startRouter(): void {
  window.addEventListener("popstate", () => {
    address.path = window.location.pathname;
    address.search = window.location.search;
  });
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const anchor = (event.target as Element | null)?.closest?.("a");
    if (!anchor || anchor.target || anchor.hasAttribute("download")) return;
    const url = new URL(anchor.href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname.startsWith("/v1") || url.pathname.startsWith("/docs")) return;
    if (matchRoute(url.pathname).view === "not-found") return;
    event.preventDefault();
    go(url.pathname + url.search, false);
    window.scrollTo(0, 0);
  });
}

/** An address inside the dashboard, keeping the language. */
export function href(path: string, params: Record<string, string | null | undefined> = {}): string {
  const query = new URLSearchParams();
  const lang = queryParam("lang");
  if (lang) query.set("lang", lang);
  for (const [name, value] of Object.entries(params)) if (value) query.set(name, value);
  const search = query.toString();
  return path + (search ? `?${search}` : "");
}
