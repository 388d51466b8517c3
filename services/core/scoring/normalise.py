"""Section 2 of the method: an indicator's value as a score in [0, 100].

Rules are tried in order, per indicator, all indicators at once:
1. ordinal: 100·(x − a)/(b − a), flipped for `decrease`;
2. binary: 100·x, or 100·(1 − x) for `decrease`;
3. baseline B and target G: 100·clamp((x − B)/(G − B));
4. bounds worst W and best U (W ≠ U): 100·clamp((x − W)/(U − W));
5. percentage: bounds 0 → 100 (`increase`) or 100 → 0 (`decrease`);
6. otherwise unscorable: NaN, and a reason for the diagnostics.
"""

from dataclasses import dataclass

import numpy as np

ORDINAL, BINARY, PERCENTAGE, QUANTITY = 0, 1, 2, 3
MEASURE_CODES = {"ordinal": ORDINAL, "binary": BINARY, "percentage": PERCENTAGE, "quantity": QUANTITY}

RULE_NONE, RULE_ORDINAL, RULE_BINARY, RULE_TARGET, RULE_BOUNDS, RULE_PERCENTAGE = range(6)
UNSCORABLE_REASON = "no scale, baseline and target, or worst and best bounds to score it against"


@dataclass(frozen=True)
class IndicatorRules:
    """The scoring parameters of I indicators, as parallel arrays (NaN where unset)."""

    measure: np.ndarray  # int codes above
    decrease: np.ndarray  # bool
    scale_min: np.ndarray
    scale_max: np.ndarray
    baseline: np.ndarray
    target: np.ndarray
    worst: np.ndarray
    best: np.ndarray


def applicable_rule(rules: IndicatorRules) -> np.ndarray:
    """Which rule scores each indicator (RULE_NONE when none applies)."""
    rule = np.full(rules.measure.shape, RULE_NONE)
    has_scale = ~np.isnan(rules.scale_min) & ~np.isnan(rules.scale_max) & (rules.scale_max > rules.scale_min)
    has_target = ~np.isnan(rules.baseline) & ~np.isnan(rules.target) & (rules.target != rules.baseline)
    has_bounds = ~np.isnan(rules.worst) & ~np.isnan(rules.best) & (rules.worst != rules.best)
    # Fill from the last rule to the first so that the first applicable one wins.
    rule = np.where(rules.measure == PERCENTAGE, RULE_PERCENTAGE, rule)
    rule = np.where(has_bounds, RULE_BOUNDS, rule)
    rule = np.where(has_target, RULE_TARGET, rule)
    rule = np.where(rules.measure == BINARY, RULE_BINARY, rule)
    rule = np.where((rules.measure == ORDINAL) & has_scale, RULE_ORDINAL, rule)
    return rule


def _clamp01(values: np.ndarray) -> np.ndarray:
    clamped: np.ndarray = np.minimum(np.maximum(values, 0.0), 1.0)
    return clamped


def normalise(x: np.ndarray, rules: IndicatorRules) -> np.ndarray:
    """Scores in [0, 100] for values `x` (NaN where x is missing or no rule applies).

    `x` may be 1-D (one value per indicator) or 2-D (rows of values, e.g. T and T − lag).
    """
    rule = applicable_rule(rules)
    with np.errstate(divide="ignore", invalid="ignore"):
        ordinal = 100.0 * (x - rules.scale_min) / (rules.scale_max - rules.scale_min)
        ordinal = np.where(rules.decrease, 100.0 - ordinal, ordinal)
        binary = np.where(rules.decrease, 100.0 * (1.0 - x), 100.0 * x)
        target = 100.0 * _clamp01((x - rules.baseline) / (rules.target - rules.baseline))
        bounds = 100.0 * _clamp01((x - rules.worst) / (rules.best - rules.worst))
        percentage = np.where(
            rules.decrease, 100.0 * _clamp01((x - 100.0) / -100.0), 100.0 * _clamp01(x / 100.0)
        )
    score = np.select(
        [
            rule == RULE_ORDINAL,
            rule == RULE_BINARY,
            rule == RULE_TARGET,
            rule == RULE_BOUNDS,
            rule == RULE_PERCENTAGE,
        ],
        [ordinal, binary, target, bounds, percentage],
        default=np.nan,
    )
    # Ordinal and binary values are checked at ingestion; clip only float rounding.
    clipped: np.ndarray = np.clip(score, 0.0, 100.0)
    return clipped
