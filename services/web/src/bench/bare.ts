// The baseline of bench/web.py: the dashboard's map (FranceMap.svelte's geometry, projection,
// colours and catalyst points, by region, on the default axis) drawn from one static JSON
// file holding what the dashboard fetches from the API, with d3 and the DOM only: no Svelte
// app, no API client, no API call. bench/web.py builds it (entry bench.html, with
// bench/_web_vite.config.mjs) into a temporary directory and times it to the same mark.
import { geoConicConformalFrance } from "d3-composite-projections";
import { geoPath } from "d3-geo";
import type { Schemas, ScoreRow, Territory } from "../api/client";
import { TerritoryTree } from "../lib/territory-tree";
import { NO_DATA, scoreColor } from "../map/colors";
import { departmentAreas, regionAreas } from "../map/geography";

const DRAWN_MARK = "observatoire:map-drawn";
const SVG = "http://www.w3.org/2000/svg";
// FranceMap's defaults, and MapView's default axis.
const WIDTH = 640;
const HEIGHT = 600;
const AXIS = "performance";
// The width, in CSS pixels, of the dashboard's map column in bench/web.py's 1280-pixel window:
// as many pixels to paint on both pages.
const DRAWN_WIDTH = 556;

interface BenchData {
  /** The territory score rows of the latest snapshot (every page of them). */
  scores: ScoreRow[];
  /** Every territory (every page of them). */
  territories: Territory[];
  /** GET /v1/map/catalysts. */
  catalysts: Schemas["FeatureCollection"];
}

function element(name: string, attributes: Record<string, string | number>): SVGElement {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

async function draw(): Promise<void> {
  const response = await fetch("/bench-data.json");
  if (!response.ok) throw new Error(`bench-data.json: HTTP ${response.status}`);
  const data = (await response.json()) as BenchData;

  const tree = new TerritoryTree(new Map(data.territories.map((territory) => [territory.code, territory])));
  const values = new Map<string, ScoreRow>();
  for (const row of data.scores) {
    if (row.axis === AXIS && row.subject_id !== null && row.subject_id !== undefined) values.set(row.subject_id, row);
  }

  const projection = geoConicConformalFrance().fitExtent(
    [
      [8, 8],
      [WIDTH - 8, HEIGHT - 8],
    ],
    { type: "FeatureCollection", features: departmentAreas().map((area) => area.feature) },
  );
  const path = geoPath(projection);

  const svg = element("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: DRAWN_WIDTH, role: "img" });
  const areas = element("g", { stroke: "#fff", "stroke-width": 0.6 });
  for (const area of regionAreas((code) => tree.regionOf(code))) {
    const row = values.get(area.code);
    areas.append(
      element("path", { d: path(area.feature) ?? "", fill: row ? scoreColor(row.score) : NO_DATA, "data-code": area.code }),
    );
  }
  svg.append(areas);
  svg.append(element("path", { d: projection.getCompositionBorders(), fill: "none", stroke: "#888", "stroke-width": 0.8 }));
  const points = element("g", { fill: "#fff", stroke: "#111", "stroke-width": 1.2 });
  for (const item of data.catalysts.features) {
    const coordinates = item.geometry?.coordinates;
    const xy = coordinates ? projection([coordinates[0] ?? 0, coordinates[1] ?? 0]) : null;
    if (xy) points.append(element("circle", { cx: xy[0], cy: xy[1], r: 3.5 }));
  }
  svg.append(points);
  document.getElementById("map")?.append(svg);
  requestAnimationFrame(() => performance.mark(DRAWN_MARK));
}

void draw();
