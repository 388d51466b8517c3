import { AXES, type Axis } from "../api/client";
import { queryParam } from "./router.svelte";

export function readAxis(name = "axis"): Axis {
  const value = queryParam(name);
  return AXES.find((axis) => axis === value) ?? "performance";
}

export function readAxisOrNull(name: string): Axis | null {
  const value = queryParam(name);
  return AXES.find((axis) => axis === value) ?? null;
}
