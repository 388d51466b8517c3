"""Section 1 of the method: which observation counts for each indicator at (T, K).

Inputs are the candidate observation revisions as parallel arrays; dates are integer days
(e.g. `numpy.datetime64(d, "D").astype(int)`), instants are integers of any monotonic unit.
"""

import numpy as np


def select_rows(
    n_indicators: int,
    indicator: np.ndarray,
    period_start: np.ndarray,
    period_end: np.ndarray,
    recorded: np.ndarray,
    revision: np.ndarray,
    lookback_days: np.ndarray,
    as_of: int,
    known_at: int,
) -> np.ndarray:
    """The row of each indicator's value at T = `as_of` as known at K = `known_at` (−1 when none).

    Per indicator: among revisions recorded at or before K, the observation with the latest
    period end ≤ T and within the indicator's lookback (T − end ≤ lookback); ties on the period
    end go to the latest period start (the shortest period); of that observation, the latest
    revision recorded at or before K.
    """
    chosen = np.full(n_indicators, -1, dtype=np.int64)
    eligible = (
        (recorded <= known_at) & (period_end <= as_of) & (as_of - period_end <= lookback_days[indicator])
    )
    rows = np.flatnonzero(eligible)
    owner = indicator[rows]
    # Keep, per indicator, the rows with the greatest period end, then among them the greatest
    # period start, then the latest record time, then the latest revision: one pass of
    # `maximum.at` per key instead of a sort of millions of rows.
    for key in (period_end, period_start, recorded, revision):
        values = key[rows]
        best = np.full(n_indicators, np.iinfo(np.int64).min)
        np.maximum.at(best, owner, values)
        keep = values == best[owner]
        rows, owner = rows[keep], owner[keep]
    chosen[owner] = rows
    return chosen


def values_of(rows: np.ndarray, value: np.ndarray) -> np.ndarray:
    """The selected values (NaN where no row was selected)."""
    return np.where(rows >= 0, value[np.maximum(rows, 0)] if value.size else np.nan, np.nan)


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
    """The value of each indicator at T = `as_of` as known at K = `known_at` (NaN when none)."""
    rows = select_rows(
        n_indicators, indicator, period_start, period_end, recorded, revision, lookback_days, as_of, known_at
    )
    return values_of(rows, value)
