import { ApiError } from "../api/client";

// Follow a job-like resource (an aggregation job, a preview) until it ends, by polling: the
// API's record of its status and progress is the truth, whatever process runs it.
const POLL_MS = 500;
export const FINISHED: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled"]);

interface Followed {
  status: string;
}

/** Calls `onUpdate` with each state until the resource is finished; returns a stop function
 * (for an `$effect`'s cleanup). Errors go to `onError`; a refusal (4xx: gone, forbidden)
 * stops the polling, a server or network error does not (the server may be restarting). */
export function follow<T extends Followed>(
  load: () => Promise<T>,
  onUpdate: (current: T) => void | Promise<void>,
  onError: (error: unknown) => void,
): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const poll = async () => {
    try {
      const current = await load();
      if (stopped) return;
      await onUpdate(current);
      if (FINISHED.has(current.status)) return;
    } catch (error) {
      if (stopped) return;
      onError(error);
      if (error instanceof ApiError && error.status < 500) return;
    }
    timer = setTimeout(poll, POLL_MS);
  };
  void poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
