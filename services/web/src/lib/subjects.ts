// The name of a score row's subject, whatever its type.
import type { Catalyst, SubjectType } from "../api/client";
import { label, t } from "./i18n.svelte";
import { href } from "./router.svelte";
import type { TerritoryTree } from "./territory-tree";

export interface Names {
  tree: TerritoryTree;
  catalysts: Map<string, Catalyst>;
  alliances?: Map<string, string>;
}

export function subjectName(names: Names, type: SubjectType, id: string | null | undefined): string {
  if (id === null || id === undefined) return t("title");
  switch (type) {
    case "catalyst":
      return names.catalysts.get(id)?.name ?? id;
    case "alliance":
      return names.alliances?.get(id) ?? id;
    case "territory":
      return names.tree.name(id);
    case "territory_type":
      return label("territory_types", id);
    case "domain":
      return label("domains", id);
    case "actor_type":
      return label("actor_types", id);
    default:
      return id;
  }
}

/** Where a subject has a page of its own in the dashboard. */
export function subjectHref(type: SubjectType, id: string | null | undefined, snapshot: string | null): string | null {
  if (!id) return null;
  if (type === "catalyst") return href(`/catalysts/${id}`, { snapshot });
  if (type === "alliance") return href(`/alliances/${id}`, { snapshot });
  if (type === "territory") return href("/", { snapshot, territory: id });
  return null;
}

export const GROUP_TYPES = ["catalyst", "territory", "territory_type", "domain", "actor_type"] as const satisfies readonly SubjectType[];
export type GroupType = (typeof GROUP_TYPES)[number];

export const SUBJECT_TYPE_LABELS: Record<SubjectType, [string, string]> = {
  alliance: ["Alliance", "Alliance"],
  catalyst: ["Catalyseur", "Catalyst"],
  territory: ["Territoire", "Territory"],
  territory_type: ["Type de territoire", "Territory type"],
  domain: ["Domaine", "Domain"],
  actor_type: ["Type d'acteur", "Actor type"],
  all: ["Ensemble", "All"],
};

