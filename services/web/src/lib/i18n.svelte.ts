// French by default, English on demand (`?lang=en`). Codes come from the API; their labels
// come from /v1/vocabularies, so that the dashboard and the API never disagree on a word.
import { api, unwrap, type Schemas } from "../api/client";
import { address } from "./router.svelte";

export type Lang = "fr" | "en";
type Vocabularies = Record<string, Schemas["Term"][]>;

const STRINGS = {
  title: ["Observatoire des alliances territoriales", "Observatory of territorial alliances"],
  skip: ["Aller au contenu", "Skip to content"],
  nav_map: ["Carte", "Map"],
  nav_rollups: ["Agrégats", "Roll-ups"],
  nav_compare: ["Comparer", "Compare"],
  nav_console: ["Console", "Console"],
  language: ["English", "Français"],
  language_label: ["Switch to English", "Passer en français"],
  key: ["Clé d'API", "API key"],
  key_use: ["Utiliser la clé", "Use this key"],
  key_forget: ["Oublier la clé", "Forget the key"],
  key_needed: [
    "Cet observatoire ne publie pas ses résultats sans clé : saisissez une clé d'API.",
    "This observatory does not publish its results without a key: enter an API key.",
  ],
  key_invalid: ["Cette clé n'est pas valide (inconnue ou révoquée).", "This key is not valid (unknown or revoked)."],
  access_public: ["Données ouvertes", "Open data"],
  access_read: ["Clé de lecture", "Read key"],
  access_write: ["Clé d'écriture", "Write key"],
  access_staff: ["Clé équipe", "Staff key"],
  loading: ["Chargement…", "Loading…"],
  error: ["Erreur", "Error"],
  not_found: ["Page introuvable.", "Page not found."],
  no_snapshot: ["Aucun instantané publié pour l'instant.", "No snapshot published yet."],
  snapshot: ["Instantané", "Snapshot"],
  latest: ["le plus récent", "latest"],
  as_of: ["au", "as of"],
  date_t: ["Date T", "Date T"],
  axis: ["Axe", "Axis"],
  level: ["Découpage", "Level"],
  regions: ["Régions", "Regions"],
  departments: ["Départements", "Departments"],
  territory: ["Territoire", "Territory"],
  score: ["Score", "Score"],
  band: ["Intervalle", "Band"],
  lower: ["borne basse", "lower"],
  upper: ["borne haute", "upper"],
  alliances_scored: ["Alliances notées / comptées", "Alliances scored / counted"],
  trend: ["Tendance (1 an)", "Trend (1 year)"],
  scored_counted: ["Notées / comptées", "Scored / counted"],
  flags: ["Signalements", "Flags"],
  no_score: ["pas de score", "no score"],
  no_data: ["pas de données", "no data"],
  only_with_data: ["Seulement les territoires avec des données", "Only territories with data"],
  legend: ["Légende", "Legend"],
  catalysts: ["Catalyseurs", "Catalysts"],
  catalyst: ["Catalyseur", "Catalyst"],
  map_caption: ["Scores par territoire", "Scores by territory"],
  map_label: ["Carte de France des scores", "Map of France of the scores"],
  abroad: ["hors de France", "abroad"],
  show_on_map: ["Afficher", "Show"],
  subject_type: ["Regroupement", "Grouped by"],
  name: ["Nom", "Name"],
  median: ["Médiane", "Median"],
  n: ["n", "n"],
  filter: ["Filtrer", "Filter"],
  filter_placeholder: ["nom ou code", "name or code"],
  download_csv: ["Télécharger (CSV)", "Download (CSV)"],
  rows: ["lignes", "rows"],
  table: ["Tableau (défilement horizontal)", "Table (scrolls sideways)"],
  sort_by: ["Trier par", "Sort by"],
  alliance: ["Alliance", "Alliance"],
  alliances: ["Alliances", "Alliances"],
  identity: ["Identité", "Identity"],
  description: ["Description", "Description"],
  domains: ["Domaines", "Domains"],
  sdgs: ["ODD", "SDGs"],
  stage: ["Stade", "Stage"],
  status: ["Statut", "Status"],
  started_on: ["Début", "Started"],
  ended_on: ["Fin", "Ended"],
  members: ["Membres dans le temps", "Members over time"],
  member: ["Membre", "Member"],
  actor_type: ["Type d'acteur", "Actor type"],
  role: ["Rôle", "Role"],
  joined_on: ["Arrivée", "Joined"],
  left_on: ["Départ", "Left"],
  still_member: ["toujours membre", "still a member"],
  scores: ["Scores", "Scores"],
  coverage: ["Couverture", "Coverage"],
  indicators: ["Indicateurs", "Indicators"],
  calculation_method: ["Méthode de calcul", "Calculation method"],
  baseline: ["Référence", "Baseline"],
  target: ["Cible", "Target"],
  unit: ["Unité", "Unit"],
  revisions: ["Révisions", "Revisions"],
  revision: ["Révision", "Revision"],
  recorded_at: ["Enregistré le", "Recorded at"],
  values: ["Valeurs", "Values"],
  period: ["Période", "Period"],
  value: ["Valeur", "Value"],
  corrected: ["corrigée", "corrected"],
  corrected_legend: ["valeur corrigée (révision > 1)", "corrected value (revision > 1)"],
  needs_key: [
    "Les membres et les indicateurs d'une alliance demandent une clé d'API.",
    "An alliance's members and indicators need an API key.",
  ],
  structure_type: ["Type de structure", "Structure type"],
  trades: ["Métiers", "Trades"],
  website: ["Site web", "Website"],
  founded_year: ["Création", "Founded"],
  rollup_row: ["Agrégat du catalyseur", "Roll-up of the catalyst"],
  its_alliances: ["Ses alliances", "Its alliances"],
  catalyst_map: ["Territoires de ses alliances", "Territories of its alliances"],
  compare_title: ["Comparer deux instantanés", "Compare two snapshots"],
  before: ["Avant", "Before"],
  after: ["Après", "After"],
  difference: ["Écart", "Difference"],
  largest_first: ["Les plus grands mouvements d'abord.", "Largest movers first."],
  need_two: ["Il faut au moins deux instantanés publiés.", "At least two published snapshots are needed."],
  console_title: ["Console de l'équipe", "Staff console"],
  console_needs_staff: ["La console demande une clé équipe (staff).", "The console needs a staff key."],
  jobs: ["Agrégations", "Aggregations"],
  webhooks: ["Webhooks", "Webhooks"],
  api_keys: ["Clés d'API", "API keys"],
  request_aggregation: ["Lancer une agrégation", "Request an aggregation"],
  as_of_optional: ["Date T (vide : aujourd'hui)", "Date T (empty: today)"],
  run: ["Lancer", "Run"],
  cancel: ["Annuler", "Cancel"],
  progress: ["Progression", "Progress"],
  job_stage: ["Étape", "Stage"],
  job_done: ["Instantané publié :", "Snapshot published:"],
  job_failed: ["Échec :", "Failed:"],
  job_history: ["Historique", "History"],
  created_at: ["Créé le", "Created"],
  duration: ["Durée", "Duration"],
  trigger: ["Origine", "Trigger"],
  url: ["URL", "URL"],
  events: ["Événements", "Events"],
  active: ["Actif", "Active"],
  subscribe: ["Abonner", "Subscribe"],
  secret_once: ["Secret (affiché une seule fois) :", "Secret (shown once):"],
  deliveries: ["Livraisons", "Deliveries"],
  show_deliveries: ["Voir les livraisons", "Show deliveries"],
  attempts: ["Tentatives", "Attempts"],
  create_key: ["Créer une clé", "Create a key"],
  scope: ["Portée", "Scope"],
  prefix: ["Préfixe", "Prefix"],
  revoked: ["Révoquée", "Revoked"],
  revoke: ["Révoquer", "Revoke"],
  key_once: ["Clé (affichée une seule fois) :", "Key (shown once):"],
  yes: ["oui", "yes"],
  no: ["non", "no"],
  none: ["aucun", "none"],
  more: ["Suivants", "More"],
  print: ["Imprimer", "Print"],
  up: ["hausse", "up"],
  down: ["baisse", "down"],
  flat: ["stable", "flat"],
  api_docs: ["Documentation de l'API", "API documentation"],
  explain: ["Pourquoi ?", "Why?"],
  explain_label: ["Expliquer le score", "Explain the score"],
  explanation: ["Explication du score", "Explanation of the score"],
  knowledge_cutoff: ["connu au", "known at"],
  contributions: ["Contributions des indicateurs", "Contributions of the indicators"],
  contribution: ["Contribution", "Contribution"],
  contributions_sum: ["Total (Σ)", "Total (Σ)"],
  would_be: ["serait", "would be"],
  withheld: ["non publié", "withheld"],
  threshold: ["seuil", "threshold"],
  rule: ["Règle", "Rule"],
  weight: ["Poids", "Weight"],
  indicator_score: ["Score s", "Score s"],
  missing: ["Indicateurs sans score", "Indicators without a score"],
  reason: ["Raison", "Reason"],
  trend_sides: ["Les deux côtés de la tendance", "Both sides of the trend"],
  counted: ["compté", "counted"],
  counted_column: ["Compté", "Counted"],
  not_counted: ["non compté", "not counted"],
  previews: ["Prévisualisations", "Previews"],
  preview: ["Prévisualisation", "Preview"],
  preview_of: ["Rescorer l'instantané", "Rescore the snapshot"],
  preview_config: ["Configuration de la méthode (JSON)", "Configuration of the method (JSON)"],
  preview_run: ["Prévisualiser", "Preview"],
  preview_invalid_json: ["Ce n'est pas du JSON valide.", "This is not valid JSON."],
  preview_expires: ["Conservée jusqu'au", "Kept until"],
  preview_moves: ["Ce qui bouge (les plus grands écarts d'abord)", "What moves (largest first)"],
  preview_never_published: [
    "Une prévisualisation ne publie jamais d'instantané et n'envoie aucun webhook.",
    "A preview never publishes a snapshot and never sends a webhook.",
  ],
  data_note: [
    "Les scores vont de 0 à 100 ; « pas de score » n'est jamais 0.",
    "Scores go from 0 to 100; \"no score\" is never 0.",
  ],
} as const satisfies Record<string, readonly [string, string]>;

export type StringKey = keyof typeof STRINGS;

export const i18n = $state({ vocabularies: {} as Vocabularies });

export function lang(): Lang {
  return new URLSearchParams(address.search).get("lang") === "en" ? "en" : "fr";
}

export function t(key: StringKey): string {
  return STRINGS[key][lang() === "en" ? 1 : 0];
}

/** The label of a code in a vocabulary of /v1/vocabularies, or the code itself. */
export function label(vocabulary: string, code: string | number | null | undefined): string {
  if (code === null || code === undefined) return "";
  const term = i18n.vocabularies[vocabulary]?.find((item) => String(item.code) === String(code));
  if (!term) return String(code);
  return lang() === "en" ? term.en : term.fr;
}

export async function loadVocabularies(): Promise<void> {
  const data = unwrap(await api.GET("/v1/vocabularies"));
  i18n.vocabularies = data;
}

const FLAGS: Record<string, [string, string]> = {
  not_measured: ["non mesuré", "not measured"],
  insufficient_coverage: ["couverture insuffisante", "insufficient coverage"],
  small_group: ["petit groupe", "small group"],
  not_active_at_as_of: ["pas active à cette date", "not active at that date"],
};

export function flagLabel(flag: string): string {
  const labels = FLAGS[flag];
  return labels ? labels[lang() === "en" ? 1 : 0] : flag;
}

export function pick(labels: readonly [string, string]): string {
  return labels[lang() === "en" ? 1 : 0];
}

const RULES: Record<string, [string, string]> = {
  ordinal: ["échelle ordinale", "ordinal scale"],
  binary: ["binaire", "binary"],
  baseline_target: ["référence → cible", "baseline → target"],
  bounds: ["bornes (pire, meilleur)", "bounds (worst, best)"],
  percentage_default: ["pourcentage (0–100)", "percentage (0–100)"],
  unscorable: ["non notable", "unscorable"],
};

const REASONS: Record<string, [string, string]> = {
  no_value_in_lookback: ["aucune valeur dans la fenêtre", "no value in the lookback window"],
  only_values_after_as_of: ["valeurs seulement après T", "values only after T"],
  unscorable: ["non notable : champs manquants", "unscorable: missing fields"],
  axis_null: ["pas de score sur cet axe", "no score on this axis"],
  not_active_at_as_of: ["pas active à T", "not active at T"],
  member_not_active_at_as_of: ["aucun membre de ce type actif à T", "no member of this type active at T"],
};

export function ruleLabel(rule: string): string {
  const labels = RULES[rule];
  return labels ? pick(labels) : rule;
}

export function reasonLabel(reason: string | null | undefined): string {
  if (!reason) return "";
  const labels = REASONS[reason];
  return labels ? pick(labels) : reason;
}
