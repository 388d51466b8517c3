// Viridis, in seven steps: ordered in lightness and readable with every common colour
// vision deficiency. Scores 0-100 fall into seven equal classes; "no score" is grey.
export const PALETTE = ["#440154", "#443983", "#31688e", "#21918c", "#35b779", "#90d743", "#fde725"] as const;
export const NO_SCORE = "#c8c8c8";
export const NO_DATA = "#f0f0f0";

export function scoreColor(score: number | null | undefined): string {
  if (score === null || score === undefined) return NO_SCORE;
  const index = Math.min(PALETTE.length - 1, Math.max(0, Math.floor((score / 100) * PALETTE.length)));
  return PALETTE[index] ?? NO_SCORE;
}

/** The classes of the legend: [lower, upper, colour]. */
export function legendClasses(): [number, number, string][] {
  const step = 100 / PALETTE.length;
  return PALETTE.map((color, index) => [index * step, (index + 1) * step, color]);
}
