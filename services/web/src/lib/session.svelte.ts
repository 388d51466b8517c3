import { api, ApiError } from "../api/client";

// Who is looking: nobody (public read), or the holder of an API key.
// The key arrives in the address's fragment (`#key=obs_...`, which browsers never send to a
// server), moves to sessionStorage (gone when the tab closes) and leaves the address bar.
const STORAGE_KEY = "observatoire.key";

/** What the page may show: decided by GET /v1/access. */
export type AccessState = "unknown" | "public" | "key-needed" | "read" | "write" | "staff" | "invalid-key";

export const session = $state({
  key: null as string | null,
  access: "unknown" as AccessState,
});

export function takeKeyFromFragment(): void {
  const match = /^#key=(obs_[A-Za-z0-9_-]+)$/.exec(window.location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(STORAGE_KEY, match[1]);
    history.replaceState(history.state, "", window.location.pathname + window.location.search);
  }
  session.key = sessionStorage.getItem(STORAGE_KEY);
}

export function useKey(key: string | null): void {
  if (key) sessionStorage.setItem(STORAGE_KEY, key);
  else sessionStorage.removeItem(STORAGE_KEY);
  session.key = key;
  session.access = "unknown";
}

/** What the current key (or its absence) may see, as the API says (GET /v1/access). */
export async function discoverAccess(): Promise<void> {
  const { data, response } = await api.GET("/v1/access");
  if (!data) {
    session.access = response.status === 401 ? "invalid-key" : "unknown";
    if (session.access === "unknown") throw new ApiError(response.status, undefined);
    return;
  }
  if (!data.authenticated) session.access = data.public_read ? "public" : "key-needed";
  else session.access = data.scope === "staff" ? "staff" : data.scope === "write" ? "write" : "read";
}
