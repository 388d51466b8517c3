"""The whole method on arrays: from indicators and observation revisions to score rows.

Pure: no I/O. The worker loads the arrays with a few set-based queries, calls `score_all`
once, and writes the rows it returns.
"""

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from services.core.scoring.aggregate import CellScores, band, cell_score_draws, cell_scores, draw_multipliers
from services.core.scoring.config import AXES, MethodologyConfig
from services.core.scoring.explain import Explanation, ExplanationInput, Side, explain_all
from services.core.scoring.normalise import (
    RULE_NONE,
    UNSCORABLE_REASON,
    IndicatorRules,
    applicable_rule,
    normalise,
)
from services.core.scoring.rollup import group_draw_means, group_statistics
from services.core.scoring.selection import select_rows, values_of

N_AXES = len(AXES)
DECIMALS = 6
OPEN_START = np.iinfo(np.int64).min
OPEN_END = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Observations:
    """Candidate observation revisions (parallel arrays). Dates in days, `recorded` any monotonic unit."""

    indicator: np.ndarray
    period_start: np.ndarray
    period_end: np.ndarray
    recorded: np.ndarray
    revision: np.ndarray
    value: np.ndarray

    @classmethod
    def empty(cls) -> "Observations":
        nothing = np.array([], dtype=np.int64)
        return cls(nothing, nothing, nothing, nothing, nothing, np.array([], dtype=float))


@dataclass(frozen=True)
class Groups:
    """Roll-up groups: G groups by (subject_type, subject_id), memberships as (group, alliance) pairs."""

    subject_type: list[str]
    subject_id: list[str | None]
    member_group: np.ndarray
    member_alliance: np.ndarray


@dataclass(frozen=True)
class ScoringInput:
    alliance_ids: list[str]
    indicator_ids: list[str]
    indicator_alliance: np.ndarray
    indicator_axis: np.ndarray
    indicator_weight: np.ndarray
    rules: IndicatorRules
    observations: Observations
    groups: Groups
    as_of: int  # T, in days
    known_at: int  # K, in the unit of `observations.recorded`
    seed: int
    # What explanations cite beyond the scoring arrays; None: the run explains nothing.
    explanation: ExplanationInput | None = None
    # Each alliance's first and last day (days, parallel to alliance_ids; OPEN_START and
    # OPEN_END for no date). The alliances given count at T, the caller chose them; at T − lag
    # only those whose dates say so count (section 1), the others have no earlier side and no
    # trend. None: every alliance counts at both dates.
    alliance_started: np.ndarray | None = None
    alliance_ended: np.ndarray | None = None


@dataclass
class ScoringResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    diagnostics: dict[str, Any] = field(default_factory=dict)
    # (subject_type, subject_id, one JSON document per axis), in the order of the rows' subjects.
    explanations: list[Explanation] = field(default_factory=list)


def _published(values: np.ndarray) -> list[float | None]:
    """An array as the numbers a snapshot publishes: rounded to 6 decimals, NaN as null."""
    return [None if value != value else round(value, DECIMALS) for value in values.tolist()]


def alliances_counted_at(inputs: ScoringInput, as_of: int) -> np.ndarray:
    """Per alliance, whether it counts at `as_of` by its dates: started by then, not ended before."""
    if inputs.alliance_started is None or inputs.alliance_ended is None:
        return np.ones(len(inputs.alliance_ids), dtype=bool)
    return (inputs.alliance_started <= as_of) & (inputs.alliance_ended >= as_of)


def _uncounted(scores: CellScores, counted_cells: np.ndarray) -> CellScores:
    """The cells of alliances that do not count: no score, no coverage, no flag of their own."""
    if counted_cells.all():
        return scores
    zero = np.zeros_like(scores.n_indicators)
    return CellScores(
        score=np.where(counted_cells, scores.score, np.nan),
        coverage=np.where(counted_cells, scores.coverage, np.nan),
        n_indicators=np.where(counted_cells, scores.n_indicators, zero),
        n_scored=np.where(counted_cells, scores.n_scored, zero),
        not_measured=scores.not_measured & counted_cells,
        insufficient_coverage=scores.insufficient_coverage & counted_cells,
    )


def _axis_scores_at(
    inputs: ScoringInput, config: MethodologyConfig, as_of: int, n_cells: int, check_dates: bool = False
) -> tuple[np.ndarray, np.ndarray, CellScores, Side]:
    lookback = np.array([config.lookback_for(axis) for axis in AXES])[inputs.indicator_axis]
    obs = inputs.observations
    rows = select_rows(
        len(inputs.indicator_ids),
        obs.indicator,
        obs.period_start,
        obs.period_end,
        obs.recorded,
        obs.revision,
        lookback,
        as_of,
        inputs.known_at,
    )
    indicator_scores = normalise(values_of(rows, obs.value), inputs.rules)
    cells = inputs.indicator_alliance * N_AXES + inputs.indicator_axis
    scores = cell_scores(cells, inputs.indicator_weight, indicator_scores, n_cells, config.coverage_threshold)
    counted = alliances_counted_at(inputs, as_of) if check_dates else np.ones(n_cells // N_AXES, dtype=bool)
    scores = _uncounted(scores, np.repeat(counted, N_AXES))
    side = Side(
        as_of=as_of,
        rows=rows,
        indicator_score=indicator_scores,
        score=scores.score,
        coverage=scores.coverage,
        not_measured=scores.not_measured,
        insufficient=scores.insufficient_coverage,
        alliance_counted=counted,
    )
    return cells, indicator_scores, scores, side


def score_all(inputs: ScoringInput, config: MethodologyConfig) -> ScoringResult:
    n_alliances = len(inputs.alliance_ids)
    n_cells = n_alliances * N_AXES
    cells, indicator_scores, now, now_side = _axis_scores_at(inputs, config, inputs.as_of, n_cells)
    _, _, before, before_side = _axis_scores_at(
        inputs, config, inputs.as_of - config.trend_lag_days, n_cells, check_dates=True
    )

    multipliers = draw_multipliers(inputs.seed, config.mc_draws, len(inputs.indicator_ids), config.mc_noise)
    if config.mc_noise == 0:
        draws = np.broadcast_to(now.score, (config.mc_draws, n_cells))
    else:
        draws = cell_score_draws(cells, inputs.indicator_weight, indicator_scores, multipliers, now.score)
    published = ~np.isnan(now.score)
    lower, upper = band(draws, published)
    delta = now.score - before.score

    result = ScoringResult()
    score, coverage = _published(now.score), _published(now.coverage)
    low, high, trend = _published(lower), _published(upper), _published(delta)
    not_measured, insufficient = now.not_measured.tolist(), now.insufficient_coverage.tolist()
    n_indicators, n_scored = now.n_indicators.tolist(), now.n_scored.tolist()
    for alliance_index, alliance_id in enumerate(inputs.alliance_ids):
        for axis_index, axis in enumerate(AXES):
            c = alliance_index * N_AXES + axis_index
            flags = ["not_measured"] if not_measured[c] else []
            if insufficient[c]:
                flags.append("insufficient_coverage")
            result.rows.append(
                {
                    "subject_type": "alliance",
                    "subject_id": alliance_id,
                    "axis": axis,
                    "score": score[c],
                    "coverage": coverage[c],
                    "lower": low[c],
                    "upper": high[c],
                    "delta_1y": trend[c],
                    "flags": flags,
                    "n_indicators": n_indicators[c],
                    "n_scored_indicators": n_scored[c],
                }
            )
    group_rows = _group_rows(inputs, config, now.score, before.score, draws)
    result.rows.extend(group_rows)
    if inputs.explanation is not None:
        result.explanations = explain_all(inputs, config, AXES, cells, now_side, before_side, group_rows)

    rule = applicable_rule(inputs.rules)
    result.diagnostics = {
        "unscorable_indicators": [
            {
                "indicator_id": inputs.indicator_ids[i],
                "alliance_id": inputs.alliance_ids[inputs.indicator_alliance[i]],
                "reason": UNSCORABLE_REASON,
            }
            for i in np.flatnonzero(rule == RULE_NONE)
        ],
        "indicators_without_recent_value": int(np.sum((rule != RULE_NONE) & np.isnan(indicator_scores))),
    }
    return result


def _group_rows(
    inputs: ScoringInput,
    config: MethodologyConfig,
    score_now: np.ndarray,
    score_before: np.ndarray,
    alliance_draws: np.ndarray,
) -> list[dict[str, Any]]:
    groups = inputs.groups
    n_groups = len(groups.subject_type)
    rows: list[dict[str, Any]] = []
    if n_groups == 0:
        return rows
    per_axis = []
    for axis_index in range(N_AXES):
        alliance_cells = inputs.groups.member_alliance * N_AXES + axis_index
        stats = group_statistics(
            groups.member_group, score_now[alliance_cells], n_groups, config.min_group_size
        )
        previous = group_statistics(
            groups.member_group, score_before[alliance_cells], n_groups, config.min_group_size
        )
        if config.mc_noise == 0:
            # Every draw's mean is the score itself; the per-draw sums (reduceat) may round
            # differently from the score's (bincount) and break lower = score = upper.
            lower = upper = stats.score
        else:
            means = group_draw_means(alliance_draws, alliance_cells, groups.member_group, n_groups)
            lower, upper = band(means, ~np.isnan(stats.score))
        per_axis.append(
            {
                "score": _published(stats.score),
                "lower": _published(lower),
                "upper": _published(upper),
                "delta_1y": _published(stats.score - previous.score),
                "n_alliances": stats.n_alliances.tolist(),
                "n_scored": stats.n_scored.tolist(),
                "withheld": stats.withheld.tolist(),
                "median": _published(stats.median),
                "p25": _published(stats.p25),
                "p75": _published(stats.p75),
                "min": _published(stats.minimum),
                "max": _published(stats.maximum),
            }
        )
    for g in range(n_groups):
        for axis_index, axis in enumerate(AXES):
            columns = per_axis[axis_index]
            flags = []
            if columns["n_scored"][g] == 0:
                flags.append("not_measured")
            elif columns["withheld"][g]:
                flags.append("small_group")
            rows.append(
                {
                    "subject_type": groups.subject_type[g],
                    "subject_id": groups.subject_id[g],
                    "axis": axis,
                    "score": columns["score"][g],
                    "coverage": None,
                    "lower": columns["lower"][g],
                    "upper": columns["upper"][g],
                    "delta_1y": columns["delta_1y"][g],
                    "flags": flags,
                    "n_alliances": columns["n_alliances"][g],
                    "n_scored": columns["n_scored"][g],
                    "median": columns["median"][g],
                    "p25": columns["p25"][g],
                    "p75": columns["p75"][g],
                    "min": columns["min"][g],
                    "max": columns["max"][g],
                }
            )
    return rows
