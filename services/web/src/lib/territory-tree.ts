// Where a territory sits: its region and department on the map, or abroad.
import type { Territory } from "../api/client";

export class TerritoryTree {
  constructor(readonly byCode: Map<string, Territory>) {}

  name(code: string): string {
    return this.byCode.get(code)?.name ?? code;
  }

  ancestors(code: string): Territory[] {
    const chain: Territory[] = [];
    let current = this.byCode.get(code);
    const seen = new Set<string>();
    while (current && !seen.has(current.code)) {
      seen.add(current.code);
      chain.push(current);
      current = current.parent_code ? this.byCode.get(current.parent_code) : undefined;
    }
    return chain;
  }

  /** The region of a mainland department, or the overseas region itself. */
  regionOf(code: string): string | undefined {
    return this.ancestors(code).find((territory) => territory.level === "region")?.code;
  }

  /** The map area holding a territory at a level: a department (or overseas region), or a region. */
  areaOf(code: string, level: "region" | "department"): string | undefined {
    const chain = this.ancestors(code);
    if (level === "region") return chain.find((territory) => territory.level === "region")?.code;
    return (
      chain.find((territory) => territory.level === "department")?.code ??
      chain.find((territory) => territory.level === "region" && territory.overseas)?.code
    );
  }

  isInFrance(code: string): boolean {
    return this.ancestors(code).some((territory) => territory.code === "FR");
  }

  /** The areas of the map at a level: the regions, or the departments and overseas regions. */
  areas(level: "region" | "department"): Territory[] {
    return [...this.byCode.values()].filter((territory) =>
      level === "region"
        ? territory.level === "region" && this.isInFrance(territory.code)
        : (territory.level === "department" && this.isInFrance(territory.code)) ||
          (territory.level === "region" && territory.overseas),
    );
  }
}
