"""Section 6 of the method: statistics of groups of alliances (catalyst, territory, domain...).

A group is a set of alliances; an alliance may belong to many groups. Memberships come as
parallel arrays (`member_group[p]`, `member_value[p]` = that alliance's axis score or NaN).
Alliances without a score are counted in `n_alliances` but never as 0 in the statistics.
"""

from dataclasses import dataclass

import numpy as np

from services.core.scoring.aggregate import DRAW_CHUNK


@dataclass(frozen=True)
class GroupStats:
    n_alliances: np.ndarray
    n_scored: np.ndarray
    score: np.ndarray
    median: np.ndarray
    p25: np.ndarray
    p75: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray
    withheld: np.ndarray  # bool: fewer scored alliances than min_group_size


def _quantile(sorted_values: np.ndarray, start: np.ndarray, count: np.ndarray, q: float) -> np.ndarray:
    """Linear-interpolation quantile (NumPy's default) of each group's sorted run of values."""
    result = np.full(start.shape, np.nan)
    has = count > 0
    position = q * (count[has] - 1)
    below = np.floor(position).astype(int)
    above = np.minimum(below + 1, count[has] - 1)
    low = sorted_values[start[has] + below]
    high = sorted_values[start[has] + above]
    result[has] = low + (position - below) * (high - low)
    return result


def group_statistics(
    member_group: np.ndarray, member_value: np.ndarray, n_groups: int, min_group_size: int
) -> GroupStats:
    n_alliances = np.bincount(member_group, minlength=n_groups)
    valid = ~np.isnan(member_value)
    groups, values = member_group[valid], member_value[valid]
    n_scored = np.bincount(groups, minlength=n_groups)
    total = np.bincount(groups, weights=values, minlength=n_groups)
    order = np.lexsort((values, groups))
    sorted_values = values[order]
    start = np.searchsorted(groups[order], np.arange(n_groups))
    withheld = n_scored < min_group_size
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / n_scored

    def keep(values: np.ndarray) -> np.ndarray:
        return np.where(withheld | (n_scored == 0), np.nan, values)

    minimum = np.full(n_groups, np.nan)
    maximum = np.full(n_groups, np.nan)
    has = n_scored > 0
    minimum[has] = sorted_values[start[has]]
    maximum[has] = sorted_values[start[has] + n_scored[has] - 1]
    return GroupStats(
        n_alliances=n_alliances,
        n_scored=n_scored,
        score=keep(mean),
        median=keep(_quantile(sorted_values, start, n_scored, 0.5)),
        p25=keep(_quantile(sorted_values, start, n_scored, 0.25)),
        p75=keep(_quantile(sorted_values, start, n_scored, 0.75)),
        minimum=keep(minimum),
        maximum=keep(maximum),
        withheld=withheld,
    )


def group_draw_means(
    alliance_draws: np.ndarray, member_alliance: np.ndarray, member_group: np.ndarray, n_groups: int
) -> np.ndarray:
    """Per draw, the mean of the member alliances' draws: shape (draws, groups).

    Members whose alliance has no score (NaN in every draw) are left out, as in the score.
    """
    n_draws = alliance_draws.shape[0]
    means = np.full((n_draws, n_groups), np.nan)
    if member_alliance.size == 0 or n_draws == 0:
        return means
    valid = ~np.isnan(alliance_draws[0, member_alliance])
    alliances, groups = member_alliance[valid], member_group[valid]
    if alliances.size == 0:
        return means
    order = np.argsort(groups, kind="stable")
    alliances, groups = alliances[order], groups[order]
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    keys = groups[starts]
    counts = np.diff(np.r_[starts, groups.size])
    for first in range(0, n_draws, DRAW_CHUNK):
        chunk = alliance_draws[first : first + DRAW_CHUNK][:, alliances]
        means[first : first + DRAW_CHUNK, keys] = np.add.reduceat(chunk, starts, axis=1) / counts
    return means
