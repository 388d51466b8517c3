import { lang, t } from "./i18n.svelte";

const decimals = new Map<string, Intl.NumberFormat>();

/** A score as the page shows it: one decimal, in the reader's language (63,4 / 63.4). */
export function formatScore(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const locale = lang() === "en" ? "en-GB" : "fr-FR";
  let format = decimals.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    decimals.set(locale, format);
  }
  return format.format(value);
}

export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(lang() === "en" ? "en-GB" : "fr-FR", { maximumFractionDigits: 6 }).format(value);
}

export function formatDelta(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const text = formatScore(Math.abs(value));
  return value > 0 ? `+${text}` : value < 0 ? `−${text}` : text;
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  return new Intl.DateTimeFormat(lang() === "en" ? "en-GB" : "fr-FR", {
    dateStyle: "medium",
    ...(value.length > 10 ? { timeStyle: "short" } : {}),
    timeZone: value.length === 10 ? "UTC" : undefined,
  }).format(date);
}

export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(lang() === "en" ? "en-GB" : "fr-FR", { style: "percent", maximumFractionDigits: 0 }).format(
    value,
  );
}

/** The trend as an arrow: a move of less than half a point is flat. */
export function trendArrow(delta: number | null | undefined): "↑" | "↓" | "→" | "" {
  if (delta === null || delta === undefined) return "";
  if (delta >= 0.5) return "↑";
  if (delta <= -0.5) return "↓";
  return "→";
}

export function seconds(start: string | null | undefined, end: string | null | undefined): number | null {
  if (!start || !end) return null;
  return (Date.parse(end) - Date.parse(start)) / 1000;
}

/** A score, or "no score" (never a 0) when the axis has none. */
export function scoreText(score: number | null | undefined): string {
  return score === null || score === undefined ? t("no_score") : formatScore(score);
}

/** A snapshot's id, shortened to what tells snapshots apart: ids are UUIDv7, whose start is a
 * timestamp shared by the snapshots of the same minute. */
export function shortId(id: string): string {
  return `…${id.slice(-6)}`;
}
