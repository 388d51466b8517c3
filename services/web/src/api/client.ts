// The one way the dashboard talks to the API: openapi-fetch over the types that
// openapi-typescript generates from openapi/openapi.json (src/api/schema.d.ts, never edited).
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";
import { session } from "../lib/session.svelte";

export type Schemas = components["schemas"];
export type ScoreRow = Schemas["ScoreRead"];
export type Snapshot = Schemas["SnapshotRead"];
export type Territory = Schemas["TerritoryRead"];
export type Catalyst = Schemas["CatalystRead"];
export type Alliance = Schemas["AllianceRead"];
export type Member = Schemas["MemberRead"];
export type Organisation = Schemas["OrganisationRead"];
export type Indicator = Schemas["IndicatorRead"];
export type IndicatorRevision = Schemas["IndicatorRevisionRead"];
export type Observation = Schemas["ObservationRead"];
export type Job = Schemas["AggregationJobRead"];
export type Webhook = Schemas["WebhookRead"];
export type Delivery = Schemas["DeliveryRead"];
export type ApiKey = Schemas["ApiKeyRead"];
export type Comparison = Schemas["ScoreComparison"];
export type Axis = Schemas["Axis"];
export type SubjectType = ScoreRow["subject_type"];
export type Problem = Schemas["Problem"];
export type Explanation = Schemas["ExplanationRead"];
export type AllianceAxisExplanation = Schemas["AllianceAxisExplanation"];
export type GroupAxisExplanation = Schemas["GroupAxisExplanation"];
export type IndicatorExplanation = Schemas["IndicatorExplanation"];
export type Preview = Schemas["PreviewRead"];
export type PreviewComparison = Schemas["PreviewComparison"];

export const AXES: Axis[] = ["performance", "innovation", "trust"];

/** An answer other than 2xx, with the RFC 9457 problem the API sent. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem> | undefined,
  ) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
  }
}

const authorization: Middleware = {
  onRequest({ request }) {
    if (session.key) request.headers.set("Authorization", `Bearer ${session.key}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(authorization);

/** The data of an openapi-fetch answer, or an ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined || !result.response.ok) {
    throw new ApiError(result.response.status, result.error as Partial<Problem> | undefined);
  }
  return result.data;
}

type Page<T> = { items: T[]; next_cursor?: string | null };

/** Every item of a paginated list, following `next_cursor` (pages of 500, the API's maximum). */
export async function allPages<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return items;
}

export const PAGE = 500;
