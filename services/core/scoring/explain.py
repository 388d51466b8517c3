"""Section 8 of the method: how each published score was obtained.

Computed by `score_all` from the arrays it scored with (the selected rows, the indicator
scores, the cell sums), never from a second reading. Every number is worked out on arrays at
once; the per-indicator and per-alliance work left in Python is laying the documents out,
each axis encoded once with orjson, so that a read returns the stored bytes.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from services.core.scoring.config import MethodologyConfig
from services.core.scoring.normalise import (
    BINARY,
    ORDINAL,
    RULE_BINARY,
    RULE_BOUNDS,
    RULE_NONE,
    RULE_ORDINAL,
    RULE_PERCENTAGE,
    RULE_TARGET,
    IndicatorRules,
    applicable_rule,
)

if TYPE_CHECKING:
    # The pipeline imports this module: its types are named here for the checker only.
    from services.core.scoring.pipeline import Observations, ScoringInput

RULE_NAMES = {
    RULE_NONE: "unscorable",
    RULE_ORDINAL: "ordinal",
    RULE_BINARY: "binary",
    RULE_TARGET: "baseline_target",
    RULE_BOUNDS: "bounds",
    RULE_PERCENTAGE: "percentage_default",
}
OBSERVATION_STATUSES = ("provisional", "final", "estimated")
NO_VALUE_IN_LOOKBACK = "no_value_in_lookback"
ONLY_VALUES_AFTER_AS_OF = "only_values_after_as_of"
UNSCORABLE = "unscorable"
AXIS_NULL = "axis_null"
NOT_ACTIVE_AT_AS_OF = "not_active_at_as_of"
MEMBER_NOT_ACTIVE_AT_AS_OF = "member_not_active_at_as_of"
UNIT = 1_000_000  # contributions are split in millionths: the 6 published decimals
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ExplanationInput:
    """What an explanation cites beyond what scoring needs, read by the same load.

    Observation arrays are parallel to `ScoringInput.observations`; indicator lists to its
    indicators; alliance names to its alliances.
    """

    indicator_codes: Sequence[str]
    indicator_names: Sequence[str]
    alliance_names: Sequence[str]
    observation_ids: np.ndarray  # 16-byte UUIDs (dtype V16), or their text (dtype object)
    observation_status: np.ndarray  # index into OBSERVATION_STATUSES
    observation_revision: np.ndarray  # the revision number of the value (1, 2, ...)
    # Per indicator, among revisions recorded at or before K outside the arrays' window: one
    # with a period end after T, one with a period end before the window. They tell
    # `only_values_after_as_of` from `no_value_in_lookback`.
    values_after: np.ndarray | None = None
    values_before: np.ndarray | None = None
    # Alliances listed in a group without being among its members (section 6): (group index,
    # alliance id, alliance name, reason), the reason `not_active_at_as_of` or
    # `member_not_active_at_as_of`.
    excluded: Sequence[tuple[int, str, str, str]] = field(default_factory=tuple)


@dataclass(frozen=True)
class Side:
    """One date's computation (T or T − lag), as `score_all` did it."""

    as_of: int  # days
    rows: np.ndarray  # per indicator: the selected observation row, −1 when none
    indicator_score: np.ndarray  # NaN when not available
    score: np.ndarray  # per cell, published or NaN
    coverage: np.ndarray
    not_measured: np.ndarray
    insufficient: np.ndarray
    alliance_counted: np.ndarray  # per alliance: whether it counts on this date (section 1)


def missing_fields(rules: IndicatorRules, indicators: np.ndarray) -> list[list[str]]:
    """For unscorable indicators: the fields that would have given them a rule (section 2)."""
    pairs = [("baseline_value", "target_value"), ("worst", "best")]
    arrays = {
        "scale_min": rules.scale_min,
        "scale_max": rules.scale_max,
        "baseline_value": rules.baseline,
        "target_value": rules.target,
        "worst": rules.worst,
        "best": rules.best,
    }
    result = []
    for i in indicators.tolist():
        wanted = [("scale_min", "scale_max"), *pairs] if rules.measure[i] == ORDINAL else pairs
        if rules.measure[i] == BINARY:
            wanted = []
        fields: list[str] = []
        for low, high in wanted:
            unset = [name for name in (low, high) if np.isnan(arrays[name][i])]
            # Both set but equal (or an empty scale): neither can serve, name them both.
            fields.extend(unset or [low, high])
        result.append(fields)
    return result


def reasons(
    n_indicators: int,
    indicator: np.ndarray,
    period_end: np.ndarray,
    recorded: np.ndarray,
    as_of: int,
    known_at: int,
    selected: np.ndarray,
    unscorable: np.ndarray,
    values_after: np.ndarray,
    values_before: np.ndarray,
) -> np.ndarray:
    """Per indicator, why it has no score at `as_of` (None when it has one)."""
    known = recorded <= known_at
    at_or_before = np.bincount(indicator[known & (period_end <= as_of)], minlength=n_indicators) > 0
    after = np.bincount(indicator[known & (period_end > as_of)], minlength=n_indicators) > 0
    # Outside the arrays' window: a value after T is after T − lag too, and a value before the
    # window is before both dates.
    at_or_before |= values_before
    after |= values_after
    reason = np.full(n_indicators, None, dtype=object)
    none = selected < 0
    reason[none] = NO_VALUE_IN_LOOKBACK
    reason[none & after & ~at_or_before] = ONLY_VALUES_AFTER_AS_OF
    reason[unscorable] = UNSCORABLE
    return reason


def contributions(
    cell: np.ndarray, weight: np.ndarray, score: np.ndarray, n_cells: int, target: np.ndarray
) -> np.ndarray:
    """wᵢ·sᵢ / Σ_A w in millionths, split so that each cell's sum is exactly `target` millionths.

    `target` is the cell's score as published (rounded to 6 decimals), or what it would have
    been when withheld; NaN where the cell has no available indicator. Each contribution is
    first rounded down, then the millionths still missing go to the largest remainders
    (largest remainder method): rounding each contribution alone could miss the sum by a few
    millionths. Returns NaN for indicators without a score.
    """
    result = np.full(score.shape, np.nan)
    available = ~np.isnan(score)
    if not available.any():
        return result
    cells = cell[available]
    weights = weight[available]
    available_weight = np.bincount(cells, weights=weights, minlength=n_cells)
    raw = weights * score[available] / available_weight[cells] * UNIT
    floor = np.floor(raw)
    remainder = raw - floor
    deficit = np.rint(target * UNIT) - np.bincount(cells, weights=floor, minlength=n_cells)
    deficit = np.nan_to_num(deficit, nan=0.0)
    order = np.lexsort((-remainder, cells))
    sorted_cells = cells[order]
    first = np.searchsorted(sorted_cells, np.arange(n_cells))
    rank = np.arange(order.size) - first[sorted_cells]
    extra = np.zeros(order.size)
    extra[order] = rank < deficit[sorted_cells]
    result[available] = (floor + extra) / UNIT
    return result


def _rounded(values: np.ndarray) -> list[float | None]:
    return [None if value != value else round(value, 6) for value in values.tolist()]


def _day(days: int) -> str:
    return date.fromordinal(days).isoformat()


def _instant(microseconds: int) -> str:
    text = (_EPOCH + timedelta(microseconds=microseconds)).isoformat()
    return text.replace("+00:00", "Z")


def _texts(values: np.ndarray, write: Callable[[int], str]) -> list[str]:
    """`write` of each value, computed once per distinct value (periods and recording instants
    repeat across thousands of indicators)."""
    if values.size == 0:
        return []
    distinct, inverse = np.unique(values, return_inverse=True)
    texts: list[str] = np.array([write(value) for value in distinct.tolist()], dtype=object)[inverse].tolist()
    return texts


_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_UUID_DIGIT_COLUMNS = [*range(8), *range(9, 13), *range(14, 18), *range(19, 23), *range(24, 36)]


def _uuid_texts(values: np.ndarray) -> list[str]:
    """UUIDs given as 16 bytes each, as text (8-4-4-4-12), all at once; already text when the
    dtype is object."""
    if values.dtype == object:
        return [str(value) for value in values.tolist()]
    octets = np.frombuffer(values.tobytes(), dtype=np.uint8).reshape(-1, 16)
    digits = np.stack([_HEX_DIGITS[octets >> 4], _HEX_DIGITS[octets & 15]], axis=2).reshape(-1, 32)
    text = np.full((octets.shape[0], 36), ord("-"), dtype=np.uint8)
    text[:, _UUID_DIGIT_COLUMNS] = digits
    return text.view("S36").ravel().astype("U36").tolist()


def _nullable(values: np.ndarray) -> list[float | None]:
    """Floats as a list, NaN as None."""
    objects = values.astype(object)
    objects[np.isnan(values)] = None
    nullable: list[float | None] = objects.tolist()
    return nullable


def flags_of(not_measured: bool, insufficient: bool) -> list[str]:
    if not_measured:
        return ["not_measured"]
    return ["insufficient_coverage"] if insufficient else []


Explanation = tuple[str, str | None, tuple[bytes, ...]]  # subject type, subject id, one document per axis


def _would_be_scores(cell: np.ndarray, weight: np.ndarray, score: np.ndarray, n_cells: int) -> np.ndarray:
    """The weighted mean of the available indicators, withheld or not (NaN when none), rounded
    as published: the same sums as `cell_scores`, so a published score is this exactly."""
    available = ~np.isnan(score)
    available_weight = np.bincount(cell[available], weights=weight[available], minlength=n_cells)
    weighted_sum = np.bincount(
        cell[available], weights=weight[available] * score[available], minlength=n_cells
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(available_weight > 0, weighted_sum / available_weight, np.nan)
    return np.array(_rounded(mean), dtype=float)


def explain_all(inputs: "ScoringInput", config: MethodologyConfig, axes: Sequence[str], cells: np.ndarray,
                now: Side, before: Side, group_rows: list[dict[str, Any]]) -> list[Explanation]:  # fmt: skip
    """Every subject's explanation, in the order of the score rows (subject type, then id)."""
    details = inputs.explanation
    assert details is not None, "score_all explains only a load that read what explanations cite"
    n_axes = len(axes)
    n_indicators = len(inputs.indicator_ids)
    n_cells = len(inputs.alliance_ids) * n_axes
    observations = inputs.observations
    rule = applicable_rule(inputs.rules)
    unscorable = rule == RULE_NONE
    unscorable_indices = np.flatnonzero(unscorable)
    no_flags = np.zeros(n_indicators, dtype=bool)
    values_after = no_flags if details.values_after is None else details.values_after
    values_before = no_flags if details.values_before is None else details.values_before
    # What an entry says of its indicator whatever the date, encoded once for both dates: the
    # opening of its object, up to the rule.
    static = [
        orjson.dumps(
            {
                "indicator_id": indicator_id, "code": code, "name": name, "weight": weight,
                "rule": RULE_NAMES[r],
            }
        )[:-1]
        for indicator_id, code, name, weight, r in zip(
            inputs.indicator_ids, details.indicator_codes, details.indicator_names,
            inputs.indicator_weight.tolist(), rule.tolist(), strict=True,
        )
    ]  # fmt: skip
    # The fields an unscorable indicator lacks; none for the others.
    encoded_missing = [b"[]"] * n_indicators
    for i, fields in zip(
        unscorable_indices.tolist(), missing_fields(inputs.rules, unscorable_indices), strict=True
    ):
        encoded_missing[i] = orjson.dumps(fields)

    def columns(side: Side) -> list[bytes]:
        reason = reasons(
            n_indicators, observations.indicator, observations.period_end, observations.recorded,
            side.as_of, inputs.known_at, side.rows, unscorable, values_after, values_before,
        )  # fmt: skip
        target = _would_be_scores(cells, inputs.indicator_weight, side.indicator_score, n_cells)
        shares = contributions(cells, inputs.indicator_weight, side.indicator_score, n_cells, target)
        return _side_entries(side, observations, details, reason, shares, static, encoded_missing)

    now_entries, before_entries = columns(now), columns(before)
    order = np.argsort(cells, kind="stable")
    bounds = np.searchsorted(cells[order], np.arange(n_cells + 1)).tolist()
    order_list = order.tolist()
    threshold = config.coverage_threshold
    previous_as_of = _day(before.as_of)
    published = {
        name: (_rounded(side.score), _rounded(side.coverage), side.not_measured.tolist(),
               side.insufficient.tolist())
        for name, side in (("now", now), ("before", before))
    }  # fmt: skip
    score, coverage, not_measured, insufficient = published["now"]
    score_before, coverage_before, not_measured_before, insufficient_before = published["before"]
    counted_before = before.alliance_counted.tolist()
    not_counted_before = orjson.dumps(
        {"as_of": previous_as_of, "score": None, "coverage": None, "flags": [NOT_ACTIVE_AT_AS_OF]}
    )

    explanations: list[Explanation] = []
    for a, alliance_id in enumerate(inputs.alliance_ids):
        documents = []
        for k, axis in enumerate(axes):
            c = a * n_axes + k
            members = order_list[bounds[c] : bounds[c + 1]]
            head = orjson.dumps(
                {
                    "axis": axis,
                    "score": score[c],
                    "coverage": coverage[c],
                    "coverage_threshold": threshold,
                    "flags": flags_of(not_measured[c], insufficient[c]),
                }
            )
            if counted_before[a]:
                previous = orjson.dumps(
                    {
                        "as_of": previous_as_of,
                        "score": score_before[c],
                        "coverage": coverage_before[c],
                        "flags": flags_of(not_measured_before[c], insufficient_before[c]),
                    }
                )
                previous_entries = b",".join([before_entries[i] for i in members])
            else:
                # Not yet started (or already ended) then: not scored, so nothing was selected.
                previous, previous_entries = not_counted_before, b""
            # The bytes orjson gives for the whole object: its members, then the entries.
            documents.append(
                b"".join(
                    (
                        head[:-1], b',"indicators":[', b",".join([now_entries[i] for i in members]),
                        b'],"previous":', previous[:-1], b',"indicators":[', previous_entries, b"]}}",
                    )
                )
            )  # fmt: skip
        explanations.append(("alliance", alliance_id, tuple(documents)))
    explanations.extend(_group_explanations(inputs, axes, score, group_rows, details))
    explanations.sort(key=lambda item: (item[0], item[1] or ""))
    return explanations


def _encoded(values: list[Any]) -> list[bytes]:
    """orjson's encoding of each value, in one call: for values whose encoding has no comma
    (numbers, null, UUIDs, dates, instants, words of the vocabulary)."""
    if not values:
        return []
    return orjson.dumps(values)[1:-1].split(b",")


_OBSERVATION = (
    b'"observation":{"id":%b,"period_start":%b,"period_end":%b,"value":%b,"status":%b,'
    b'"revision":%b,"recorded_at":%b}'
)
_ENTRY_END = b'%b,%b,"reason":%b,"missing_fields":%b,"score":%b,"contribution":%b}'


def _side_entries(side: Side, observations: "Observations", details: ExplanationInput,
                  reason: np.ndarray, shares: np.ndarray, static: list[bytes],
                  missing: list[bytes]) -> list[bytes]:  # fmt: skip
    """One date's entry of each indicator, encoded: the bytes orjson gives for the entry's
    object (the same members in the same order), built from each column encoded at once."""
    chosen = np.flatnonzero(side.rows >= 0)
    rows = side.rows[chosen]
    observation = [b'"observation":null'] * side.rows.size
    for i, fields in zip(
        chosen.tolist(),
        zip(
            _encoded(_uuid_texts(details.observation_ids[rows])),
            _encoded(_texts(observations.period_start[rows], _day)),
            _encoded(_texts(observations.period_end[rows], _day)),
            _encoded(observations.value[rows].tolist()),
            _encoded(np.array(OBSERVATION_STATUSES, dtype=object)[details.observation_status[rows]].tolist()),
            _encoded(details.observation_revision[rows].tolist()),
            _encoded(_texts(observations.recorded[rows], _instant)),
            strict=True,
        ),
        strict=True,
    ):
        observation[i] = _OBSERVATION % fields
    # Indicator scores as published (6 decimals); contributions are whole millionths already.
    return [
        _ENTRY_END % fields
        for fields in zip(
            static,
            observation,
            _encoded(reason.tolist()),
            missing,
            _encoded(_nullable(np.round(side.indicator_score, 6))),
            _encoded(_nullable(shares)),
            strict=True,
        )
    ]


def _group_explanations(
    inputs: "ScoringInput",
    axes: Sequence[str],
    alliance_score: list[float | None],
    group_rows: list[dict[str, Any]],
    details: ExplanationInput,
) -> list[Explanation]:
    groups = inputs.groups
    n_groups = len(groups.subject_type)
    if n_groups == 0:
        return []
    n_axes = len(axes)
    names = details.alliance_names
    ids = inputs.alliance_ids
    # One encoded entry per alliance and axis, shared by every group that lists the alliance.
    member_entries = [
        [
            orjson.dumps(
                {
                    "alliance_id": ids[a],
                    "name": names[a],
                    "score": alliance_score[a * n_axes + k],
                    "counted": alliance_score[a * n_axes + k] is not None,
                    "reason": None if alliance_score[a * n_axes + k] is not None else AXIS_NULL,
                }
            )
            for a in range(len(ids))
        ]
        for k in range(n_axes)
    ]
    listed: list[list[tuple[str, int]]] = [[] for _ in range(n_groups)]
    for g, a in zip(groups.member_group.tolist(), groups.member_alliance.tolist(), strict=True):
        listed[g].append((ids[a], a))
    others: list[dict[int, bytes]] = [{} for _ in range(n_groups)]
    for n, (g, alliance_id, name, reason) in enumerate(details.excluded):
        others[g][-1 - n] = orjson.dumps(
            {"alliance_id": alliance_id, "name": name, "score": None, "counted": False, "reason": reason}
        )
        listed[g].append((alliance_id, -1 - n))
    result: list[Explanation] = []
    for g in range(n_groups):
        alliances = sorted(listed[g])
        documents = []
        for k, axis in enumerate(axes):
            row = group_rows[g * n_axes + k]
            head = orjson.dumps(
                {
                    "axis": axis,
                    "score": row["score"],
                    "n_alliances": row["n_alliances"],
                    "n_scored": row["n_scored"],
                }
            )
            body = b",".join([member_entries[k][a] if a >= 0 else others[g][a] for _, a in alliances])
            documents.append(head[:-1] + b',"alliances":[' + body + b"]}")
        result.append((groups.subject_type[g], groups.subject_id[g], tuple(documents)))
    return result
