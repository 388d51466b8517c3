"""Sections 3 and 5 of the method: alliance axis scores, coverage, and the uncertainty band.

Indicators are addressed by a *cell* = alliance index × 3 + axis index, so that one pass of
`bincount` / `reduceat` aggregates every alliance and axis at once.
"""

from dataclasses import dataclass

import numpy as np

DRAW_CHUNK = 25  # draws processed at once: bounds memory at DRAW_CHUNK × indicators floats
# Float sums of decimal weights miss exact ratios by a few ulps (0.3 / (0.1 + 0.2 + 0.3) is
# 0.49999999999999994): compare coverage to the threshold with this slack, far below the 6
# published decimals, so that a coverage exactly at the threshold is kept, as the method says.
COVERAGE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class CellScores:
    score: np.ndarray  # NaN when not measured or withheld
    coverage: np.ndarray  # NaN when not measured
    n_indicators: np.ndarray
    n_scored: np.ndarray
    not_measured: np.ndarray  # bool
    insufficient_coverage: np.ndarray  # bool


def cell_scores(
    cell: np.ndarray, weight: np.ndarray, score: np.ndarray, n_cells: int, coverage_threshold: float
) -> CellScores:
    available = ~np.isnan(score)
    expected_weight = np.bincount(cell, weights=weight, minlength=n_cells)
    available_weight = np.bincount(cell[available], weights=weight[available], minlength=n_cells)
    weighted_sum = np.bincount(
        cell[available], weights=weight[available] * score[available], minlength=n_cells
    )
    n_indicators = np.bincount(cell, minlength=n_cells)
    n_scored = np.bincount(cell[available], minlength=n_cells)
    not_measured = n_indicators == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = np.where(not_measured, np.nan, available_weight / expected_weight)
        mean = np.where(available_weight > 0, weighted_sum / available_weight, np.nan)
    insufficient = ~not_measured & (
        (coverage < coverage_threshold - COVERAGE_TOLERANCE) | (available_weight == 0)
    )
    final = np.where(not_measured | insufficient, np.nan, mean)
    return CellScores(final, coverage, n_indicators, n_scored, not_measured, insufficient)


def draw_multipliers(seed: int, n_draws: int, n_indicators: int, noise: float) -> np.ndarray:
    """Weight multipliers m = 1 + noise·u, u ~ U[−1, 1]: one row per draw, one column per indicator.

    Single precision: at national scale the matrix holds tens of millions of draws, and a
    weight perturbation needs no more than seven significant digits.
    """
    generator = np.random.default_rng(seed)
    u = generator.random(size=(n_draws, n_indicators), dtype=np.float32)
    u *= np.float32(2 * noise)
    u += np.float32(1 - noise)
    return u


def _segments(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order that sorts `keys`, the start of each run of equal keys, and each run's key."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = (
        np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]) if keys.size else np.array([], int)
    )
    return order, starts, sorted_keys[starts] if keys.size else np.array([], int)


def cell_score_draws(
    cell: np.ndarray,
    weight: np.ndarray,
    score: np.ndarray,
    multipliers: np.ndarray,
    cell_score: np.ndarray,
) -> np.ndarray:
    """Every cell's score recomputed with weights w·m for each draw: shape (draws, cells).

    Only cells with a published score (`cell_score` not NaN) get values. Each draw is computed
    as the published score plus the weighted mean of the indicators' deviations from it, so
    that equal indicator scores give exactly the published score in every draw. Vectorised
    over indicators and cells; draws are processed in chunks to bound memory.
    """
    n_draws = multipliers.shape[0]
    draws = np.full((n_draws, cell_score.size), np.nan)
    use = ~np.isnan(score) & ~np.isnan(cell_score[cell])
    if not use.any():
        return draws
    order, starts, keys = _segments(cell[use])
    base_weight = weight[use][order]
    deviation = (score[use] - cell_score[cell[use]])[order]
    columns = np.flatnonzero(use)[order]
    # Equal indicator scores: the float weighted mean may miss them by an ulp, so the deviations
    # are equal but not 0; every draw is then the published score itself.
    constant = np.maximum.reduceat(deviation, starts) == np.minimum.reduceat(deviation, starts)
    for first in range(0, n_draws, DRAW_CHUNK):
        chunk = multipliers[first : first + DRAW_CHUNK][:, columns] * base_weight
        numerator = np.add.reduceat(chunk * deviation, starts, axis=1)
        denominator = np.add.reduceat(chunk, starts, axis=1)
        shift = np.where(constant, 0.0, numerator / denominator)
        draws[first : first + DRAW_CHUNK, keys] = cell_score[keys] + shift
    return draws


def band(draws: np.ndarray, published: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """5th and 95th percentiles of the draws, per column; NaN where nothing is published."""
    lower = np.full(draws.shape[1], np.nan)
    upper = np.full(draws.shape[1], np.nan)
    columns = np.flatnonzero(published)
    if columns.size:
        lower[columns], upper[columns] = np.percentile(draws[:, columns], [5, 95], axis=0)
    return lower, upper
