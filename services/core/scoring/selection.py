"""Section 1 of the method: which observation counts for each indicator at (T, K).

Inputs are the candidate observation revisions as parallel arrays; dates are integer days
(e.g. `numpy.datetime64(d, "D").astype(int)`), instants are integers of any monotonic unit.
"""

import numpy as np


def select_values(
    n_indicators: int,
    indicator: np.ndarray,
    period_start: np.ndarray,
    period_end: np.ndarray,
    recorded: np.ndarray,
    revision: np.ndarray,
    value: np.ndarray,
    lookback_days: np.ndarray,
    as_of: int,
    known_at: int,
) -> np.ndarray:
    """The value of each indicator at T = `as_of` as known at K = `known_at` (NaN when none).

    Per indicator: among revisions recorded at or before K, the observation with the latest
    period end ≤ T and within the indicator's lookback (T − end ≤ lookback); ties on the period
    end go to the latest period start (the shortest period); of that observation, the latest
    revision recorded at or before K.
    """
    chosen = np.full(n_indicators, np.nan)
    if indicator.size == 0:
        return chosen
    eligible = (
        (recorded <= known_at) & (period_end <= as_of) & (as_of - period_end <= lookback_days[indicator])
    )
    idx = np.flatnonzero(eligible)
    if idx.size == 0:
        return chosen
    # Sort so that, within each indicator, the winner comes last; take the last of each run.
    order = np.lexsort((revision[idx], recorded[idx], period_start[idx], period_end[idx], indicator[idx]))
    sorted_idx = idx[order]
    sorted_indicator = indicator[sorted_idx]
    last_of_run = np.ones(sorted_idx.size, dtype=bool)
    last_of_run[:-1] = sorted_indicator[1:] != sorted_indicator[:-1]
    winners = sorted_idx[last_of_run]
    chosen[indicator[winners]] = value[winners]
    return chosen
