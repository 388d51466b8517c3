// Reference data that many views need, fetched once per page load and shared.
import {
  allPages,
  api,
  PAGE,
  unwrap,
  type Axis,
  type Catalyst,
  type ScoreRow,
  type Snapshot,
  type SubjectType,
  type Territory,
} from "../api/client";

const cache = new Map<string, Promise<unknown>>();

function once<T>(key: string, load: () => Promise<T>): Promise<T> {
  let promise = cache.get(key) as Promise<T> | undefined;
  if (!promise) {
    promise = load();
    cache.set(key, promise);
    // A failure (a key not yet given, the network) must not stick.
    promise.catch(() => cache.delete(key));
  }
  return promise;
}

/** Forget everything fetched: after a key change, what the caller may see changes too. */
export function clearCache(): void {
  cache.clear();
}

export function territories(): Promise<Map<string, Territory>> {
  return once("territories", async () => {
    const items = await allPages((cursor) =>
      api.GET("/v1/territories", { params: { query: { limit: PAGE, cursor } } }).then(unwrap),
    );
    return new Map(items.map((territory) => [territory.code, territory]));
  });
}

export function catalysts(): Promise<Map<string, Catalyst>> {
  return once("catalysts", async () => {
    const items = await allPages((cursor) =>
      api.GET("/v1/catalysts", { params: { query: { limit: PAGE, cursor } } }).then(unwrap),
    );
    return new Map(items.map((catalyst) => [catalyst.id, catalyst]));
  });
}

/** Published snapshots, newest first. */
export function snapshots(): Promise<Snapshot[]> {
  return once("snapshots", async () => {
    const items = await allPages((cursor) =>
      api.GET("/v1/snapshots", { params: { query: { limit: PAGE, cursor } } }).then(unwrap),
    );
    return items.reverse();
  });
}

/** After a publication: the list, and what `latest` names, have changed. */
export function refreshSnapshots(): Promise<Snapshot[]> {
  cache.delete("snapshots");
  cache.delete("snapshot:latest");
  return snapshots();
}

export function snapshot(reference: string): Promise<Snapshot> {
  return once(`snapshot:${reference}`, () =>
    api.GET("/v1/snapshots/{snapshot_id}", { params: { path: { snapshot_id: reference } } }).then(unwrap),
  );
}

/** Every score row of one subject type (and axis) in a snapshot. */
export function scoreRows(snapshotId: string, subjectType: SubjectType, axis?: Axis): Promise<ScoreRow[]> {
  return once(`scores:${snapshotId}:${subjectType}:${axis ?? ""}`, () =>
    allPages((cursor) =>
      api
        .GET("/v1/snapshots/{snapshot_id}/scores", {
          params: { path: { snapshot_id: snapshotId }, query: { subject_type: subjectType, axis, limit: PAGE, cursor } },
        })
        .then(unwrap),
    ),
  );
}

export function subjectScores(snapshotId: string, subjectType: SubjectType, subjectId: string): Promise<ScoreRow[]> {
  return once(`subject:${snapshotId}:${subjectType}:${subjectId}`, async () =>
    (
      await api
        .GET("/v1/snapshots/{snapshot_id}/scores", {
          params: { path: { snapshot_id: snapshotId }, query: { subject_type: subjectType, subject_id: subjectId } },
        })
        .then(unwrap)
    ).items,
  );
}

/** Index rows by subject id (and axis). */
export function bySubject(rows: ScoreRow[], axis: Axis): Map<string, ScoreRow> {
  const index = new Map<string, ScoreRow>();
  for (const row of rows) if (row.axis === axis && row.subject_id !== null && row.subject_id !== undefined) index.set(row.subject_id, row);
  return index;
}
