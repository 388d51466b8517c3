// Who is looking: nobody (public read), or the holder of an API key.
// The key arrives in the address's fragment (`#key=obs_...`, which browsers never send to a
// server), moves to sessionStorage (gone when the tab closes) and leaves the address bar.
const STORAGE_KEY = "observatoire.key";

export type Access = "unknown" | "public" | "key-needed" | "read" | "staff" | "invalid-key";

export const session = $state({
  key: null as string | null,
  access: "unknown" as Access,
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

/** What the current key (or its absence) may see, asked of the API itself. */
export async function discoverAccess(): Promise<void> {
  const headers: Record<string, string> = session.key ? { Authorization: `Bearer ${session.key}` } : {};
  if (session.key) {
    // Only a staff key may list API keys: 200 staff, 403 another valid key, 401 not a key.
    const probe = await fetch("/v1/api-keys?limit=1", { headers });
    session.access = probe.ok ? "staff" : probe.status === 403 ? "read" : "invalid-key";
    return;
  }
  const probe = await fetch("/v1/snapshots?limit=1", { headers });
  session.access = probe.ok ? "public" : "key-needed";
}
