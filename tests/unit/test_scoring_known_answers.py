"""Known answers of the scoring method (METHODOLOGY.md, version 1), worked out by hand.

Every expected number below is computed in the comments next to it, never by the code under
test. Dates are integer days; T = day 20000 is the "as of" date and K = 1000 the instant
after which revisions are not read (recorded instants are integers too).
"""

import math
from datetime import date

import numpy as np
import pytest

from services.core.scoring.config import MethodologyConfig
from services.core.scoring.normalise import MEASURE_CODES, IndicatorRules, normalise
from services.core.scoring.pipeline import (
    OPEN_END,
    OPEN_START,
    Groups,
    Observations,
    ScoringInput,
    ScoringResult,
    score_all,
)

T = 20_000
K = 1_000
AXIS_INDEX = {"performance": 0, "innovation": 1, "trust": 2}
NO_NOISE = MethodologyConfig(mc_noise=0.0)


# ---------------------------------------------------------------------------- helpers
def indicator(
    alliance: int = 0,
    axis: str = "performance",
    weight: float = 1.0,
    measure: str = "quantity",
    direction: str = "increase",
    scale: tuple[float, float] | None = None,
    baseline: float | None = None,
    target: float | None = None,
    worst: float | None = None,
    best: float | None = None,
) -> dict:
    """One active indicator of an alliance; unset parameters stay None (NaN in the arrays)."""
    return {
        "alliance": alliance,
        "axis": axis,
        "weight": weight,
        "measure": measure,
        "decrease": direction == "decrease",
        "scale_min": None if scale is None else scale[0],
        "scale_max": None if scale is None else scale[1],
        "baseline": baseline,
        "target": target,
        "worst": worst,
        "best": best,
    }


def plain(alliance: int = 0, axis: str = "performance", weight: float = 1.0) -> dict:
    """A quantity on goalposts 0 → 100: its score is its value, which keeps selection tests readable."""
    return indicator(alliance, axis, weight, worst=0.0, best=100.0)


def obs(
    ind: int,
    end: int,
    value: float,
    start: int | None = None,
    recorded: int = 100,
    revision: int | None = None,
) -> dict:
    """One observation revision of indicator `ind` for the period [start, end] (a year by default)."""
    return {
        "indicator": ind,
        "start": end - 364 if start is None else start,
        "end": end,
        "recorded": recorded,
        "revision": revision,
        "value": value,
    }


def build(
    indicators: list[dict],
    observations: list[dict] = (),
    n_alliances: int | None = None,
    groups: list[tuple[str, str | None, list[int]]] = (),
    as_of: int = T,
    known_at: int = K,
    seed: int = 7,
    dates: list[tuple[int | None, int | None]] | None = None,
) -> ScoringInput:
    """`dates`: each alliance's (started_on, ended_on) in days, None for no date."""
    if n_alliances is None:
        n_alliances = 1 + max((ind["alliance"] for ind in indicators), default=0)

    def column(key: str) -> np.ndarray:
        return np.array([math.nan if ind[key] is None else ind[key] for ind in indicators], dtype=float)

    rules = IndicatorRules(
        measure=np.array([MEASURE_CODES[ind["measure"]] for ind in indicators], dtype=np.int64),
        decrease=np.array([ind["decrease"] for ind in indicators], dtype=bool),
        scale_min=column("scale_min"),
        scale_max=column("scale_max"),
        baseline=column("baseline"),
        target=column("target"),
        worst=column("worst"),
        best=column("best"),
    )
    observations = list(observations)

    def ints(key: str) -> np.ndarray:
        return np.array([o[key] for o in observations], dtype=np.int64)

    revisions = [o["revision"] if o["revision"] is not None else n for n, o in enumerate(observations, 1)]
    member_group = [g for g, (_, _, members) in enumerate(groups) for _ in members]
    member_alliance = [a for _, _, members in groups for a in members]
    return ScoringInput(
        alliance_ids=[f"a{n}" for n in range(n_alliances)],
        indicator_ids=[f"i{n}" for n in range(len(indicators))],
        indicator_alliance=np.array([ind["alliance"] for ind in indicators], dtype=np.int64),
        indicator_axis=np.array([AXIS_INDEX[ind["axis"]] for ind in indicators], dtype=np.int64),
        indicator_weight=np.array([ind["weight"] for ind in indicators], dtype=float),
        rules=rules,
        observations=Observations(
            indicator=ints("indicator"),
            period_start=ints("start"),
            period_end=ints("end"),
            recorded=ints("recorded"),
            revision=np.array(revisions, dtype=np.int64),
            value=np.array([o["value"] for o in observations], dtype=float),
        ),
        groups=Groups(
            subject_type=[g[0] for g in groups],
            subject_id=[g[1] for g in groups],
            member_group=np.array(member_group, dtype=np.int64),
            member_alliance=np.array(member_alliance, dtype=np.int64),
        ),
        as_of=as_of,
        known_at=known_at,
        seed=seed,
        alliance_started=None
        if dates is None
        else np.array([OPEN_START if start is None else start for start, _ in dates], dtype=np.int64),
        alliance_ended=None
        if dates is None
        else np.array([OPEN_END if end is None else end for _, end in dates], dtype=np.int64),
    )


def row(result: ScoringResult, axis: str = "performance", subject_type: str = "alliance", subject_id="a0"):
    matches = [
        r
        for r in result.rows
        if r["subject_type"] == subject_type and r["subject_id"] == subject_id and r["axis"] == axis
    ]
    assert len(matches) == 1, matches
    return matches[0]


def score_of(indicators, observations, config=NO_NOISE, **kwargs):
    """Alliance a0's performance score."""
    return row(score_all(build(indicators, observations, **kwargs), config))["score"]


def single(value: float, **rule) -> float | None:
    """The score of one indicator alone on its axis, observed at T: the axis score is its score."""
    return score_of([indicator(**rule)], [obs(0, T, value)])


# -------------------------------------------------------------- 1. which observation counts
def test_the_latest_period_end_at_or_before_t_counts():
    observations = [
        obs(0, T - 400, 30.0),
        obs(0, T - 10, 60.0),  # latest end ≤ T
        obs(0, T + 5, 90.0),  # ends after T: not yet
    ]
    assert score_of([plain()], observations) == 60.0


def test_the_period_end_decides_before_the_period_start():
    observations = [
        obs(0, T - 10, 25.0, start=T - 300),  # ends later: it counts
        obs(0, T - 50, 85.0, start=T - 100),  # starts later but ends earlier
    ]
    assert score_of([plain()], observations) == 25.0


def test_the_lookback_is_inclusive_to_the_day():
    # performance lookback = 1095 days: T − end = 1095 counts, 1096 does not.
    assert score_of([plain()], [obs(0, T - 1095, 40.0)]) == 40.0
    result = score_all(build([plain()], [obs(0, T - 1096, 40.0)]), NO_NOISE)
    assert row(result)["score"] is None
    assert row(result)["coverage"] == 0.0  # 0 / 1: the indicator is expected but missing
    assert row(result)["flags"] == ["insufficient_coverage"]


def test_each_axis_has_its_own_lookback():
    # T − end = 1500: beyond performance's 1095 days, within innovation's 1825.
    indicators = [plain(axis="performance"), plain(axis="innovation")]
    result = score_all(build(indicators, [obs(0, T - 1500, 40.0), obs(1, T - 1500, 40.0)]), NO_NOISE)
    assert row(result, "performance")["score"] is None
    assert row(result, "innovation")["score"] == 40.0
    # innovation: 1825 counts, 1826 does not.
    assert (
        row(score_all(build(indicators, [obs(1, T - 1825, 70.0)]), NO_NOISE), "innovation")["score"] == 70.0
    )
    assert (
        row(score_all(build(indicators, [obs(1, T - 1826, 70.0)]), NO_NOISE), "innovation")["score"] is None
    )


def test_a_revision_recorded_after_k_is_ignored_for_the_earlier_one():
    observations = [
        obs(0, T - 10, 20.0, recorded=500),  # known at K
        obs(0, T - 10, 80.0, recorded=K + 1),  # the correction came after K
    ]
    assert score_of([plain()], observations) == 20.0
    # Recorded exactly at K, the correction is read and it is the latest revision.
    observations[1]["recorded"] = K
    assert score_of([plain()], observations) == 80.0


def test_the_latest_revision_known_at_k_wins_whatever_the_input_order():
    observations = [
        obs(0, T - 10, 55.0, recorded=900),  # latest at or before K
        obs(0, T - 10, 20.0, recorded=300),
        obs(0, T - 10, 35.0, recorded=600),
    ]
    assert score_of([plain()], observations) == 55.0


def test_an_observation_known_only_after_k_leaves_the_previous_period():
    observations = [
        obs(0, T - 400, 30.0, recorded=500),
        obs(0, T - 10, 80.0, recorded=K + 50),  # its only revision is after K
    ]
    assert score_of([plain()], observations) == 30.0


def test_on_a_tie_of_period_end_the_latest_period_start_wins():
    observations = [
        obs(0, T - 10, 70.0, start=T - 40, recorded=100),  # the shorter period: latest start
        obs(0, T - 10, 10.0, start=T - 374, recorded=900),  # a year ending the same day
    ]
    assert score_of([plain()], observations) == 70.0


# ------------------------------------------------------------------- 2. indicator scores
def test_ordinal_rule():
    # scale 1..5, x = 4: 100·(4 − 1)/(5 − 1) = 75
    assert single(4, measure="ordinal", scale=(1, 5)) == 75.0
    # decrease: 100 − 75 = 25
    assert single(4, measure="ordinal", scale=(1, 5), direction="decrease") == 25.0
    # ends of the scale: 100·(1 − 1)/4 = 0 and 100·(5 − 1)/4 = 100
    assert single(1, measure="ordinal", scale=(1, 5)) == 0.0
    assert single(5, measure="ordinal", scale=(1, 5)) == 100.0


def test_binary_rule():
    assert single(1, measure="binary") == 100.0  # 100·1
    assert single(0, measure="binary") == 0.0  # 100·0
    assert single(1, measure="binary", direction="decrease") == 0.0  # 100·(1 − 1)
    assert single(0, measure="binary", direction="decrease") == 100.0  # 100·(1 − 0)


def test_baseline_and_target_rule():
    # B = 20, G = 60, x = 50: 100·clamp((50 − 20)/(60 − 20)) = 100·30/40 = 75
    assert single(50, baseline=20, target=60) == 75.0
    # decrease with G < B: B = 80, G = 40, x = 50: (50 − 80)/(40 − 80) = −30/−40 = 0.75 → 75
    assert single(50, baseline=80, target=40, direction="decrease") == 75.0
    # below the baseline: (10 − 20)/40 = −0.25 → clamped to 0
    assert single(10, baseline=20, target=60) == 0.0
    # beyond the target: (100 − 20)/40 = 2 → clamped to 1 → 100
    assert single(100, baseline=20, target=60) == 100.0
    # decrease, worse than the baseline: (90 − 80)/(40 − 80) = −0.25 → 0; better than the target: 2 → 100
    assert single(90, baseline=80, target=40, direction="decrease") == 0.0
    assert single(0, baseline=80, target=40, direction="decrease") == 100.0


def test_worst_and_best_rule():
    # W = 2, U = 12, x = 7: (7 − 2)/(12 − 2) = 0.5 → 50
    assert single(7, worst=2, best=12) == 50.0
    assert single(2, worst=2, best=12) == 0.0  # x = W → 0
    assert single(12, worst=2, best=12) == 100.0  # x = U → 100
    assert single(-5, worst=2, best=12) == 0.0  # (−5 − 2)/10 = −0.7 → 0
    assert single(30, worst=2, best=12) == 100.0  # (30 − 2)/10 = 2.8 → 100
    # W > U (less is better): W = 12, U = 2, x = 4.5: (4.5 − 12)/(2 − 12) = −7.5/−10 = 0.75 → 75
    assert single(4.5, worst=12, best=2) == 75.0
    assert single(20, worst=12, best=2) == 0.0  # (20 − 12)/−10 = −0.8 → 0
    assert single(1, worst=12, best=2) == 100.0  # (1 − 12)/−10 = 1.1 → 100


def test_percentage_rule():
    assert single(42, measure="percentage") == 42.0  # W = 0, U = 100: 42/100 → 42
    assert single(42, measure="percentage", direction="decrease") == 58.0  # (42 − 100)/(0 − 100) = 0.58
    assert single(120, measure="percentage") == 100.0  # 1.2 → clamped
    assert single(120, measure="percentage", direction="decrease") == 0.0  # −0.2 → clamped
    assert single(0, measure="percentage", direction="decrease") == 100.0  # (0 − 100)/−100 = 1


def test_an_unscorable_indicator_is_missing_and_reported():
    # a0: i0 scores 80 (goalposts 0 → 100), i1 is a quantity with nothing to score it against.
    indicators = [plain(), indicator()]
    result = score_all(build(indicators, [obs(0, T, 80.0), obs(1, T, 5.0)]), NO_NOISE)
    a0 = row(result)
    assert a0["n_indicators"] == 2
    assert a0["n_scored_indicators"] == 1
    assert a0["coverage"] == 0.5  # 1 / (1 + 1): the unscorable one counts as missing
    assert a0["score"] == 80.0  # 80·1 / 1
    unscorable = result.diagnostics["unscorable_indicators"]
    assert [(d["indicator_id"], d["alliance_id"]) for d in unscorable] == [("i1", "a0")]
    assert unscorable[0]["reason"]
    # Alone on its axis, it leaves the axis without a score (and never 0).
    alone = score_all(build([indicator()], [obs(0, T, 5.0)]), NO_NOISE)
    assert row(alone)["score"] is None
    assert row(alone)["flags"] == ["insufficient_coverage"]


def test_the_normalisation_gives_nan_for_unscorable_and_missing_values():
    rules = build([indicator(), plain()]).rules
    scores = normalise(np.array([5.0, math.nan]), rules)
    assert math.isnan(scores[0])  # no rule applies
    assert math.isnan(scores[1])  # no value
    # An ordinal without a scale, a baseline equal to its target, worst equal to best: unscorable too.
    degenerate = build(
        [indicator(measure="ordinal"), indicator(baseline=3, target=3), indicator(worst=4, best=4)]
    ).rules
    assert np.isnan(normalise(np.array([1.0, 3.0, 4.0]), degenerate)).all()


def test_rule_precedence():
    # An ordinal with a baseline and target uses the ordinal rule: scale 0..4, x = 3 → 100·3/4 = 75
    # (the target rule would give clamp((3 − 0)/(2 − 0)) = 1.5 → 100).
    assert single(3, measure="ordinal", scale=(0, 4), baseline=0, target=2) == 75.0
    # A quantity with a target and bounds uses the target rule: B = 0, G = 50, x = 25 → 50
    # (the bounds W = 0, U = 100 would give 25).
    assert single(25, baseline=0, target=50, worst=0, best=100) == 50.0
    # A percentage with bounds uses the bounds: W = 50, U = 100, x = 75 → (75 − 50)/50 = 0.5 → 50
    # (the percentage rule would give 75).
    assert single(75, measure="percentage", worst=50, best=100) == 50.0
    # A binary with bounds stays binary: x = 1 → 100 (the bounds W = 0, U = 4 would give 25).
    assert single(1, measure="binary", worst=0, best=4) == 100.0


# ---------------------------------------------------------------- 3. alliance axis score
def test_weighted_axis_score_with_full_coverage():
    # weights 1, 1, 2; scores 10, 40, 70: (1·10 + 1·40 + 2·70)/(1 + 1 + 2) = 190/4 = 47.5
    indicators = [plain(weight=1), plain(weight=1), plain(weight=2)]
    result = score_all(build(indicators, [obs(0, T, 10.0), obs(1, T, 40.0), obs(2, T, 70.0)]), NO_NOISE)
    assert row(result)["score"] == 47.5
    assert row(result)["coverage"] == 1.0
    assert row(result)["flags"] == []
    assert (row(result)["n_indicators"], row(result)["n_scored_indicators"]) == (3, 3)


def test_weighted_axis_score_with_a_missing_indicator():
    # the weight-1 indicator scoring 10 is missing: coverage (1 + 2)/(1 + 1 + 2) = 3/4 = 0.75,
    # score (1·40 + 2·70)/(1 + 2) = 180/3 = 60
    indicators = [plain(weight=1), plain(weight=1), plain(weight=2)]
    result = score_all(build(indicators, [obs(1, T, 40.0), obs(2, T, 70.0)]), NO_NOISE)
    assert row(result)["coverage"] == 0.75
    assert row(result)["score"] == 60.0
    assert row(result)["n_scored_indicators"] == 2


def test_coverage_exactly_at_the_threshold_is_kept():
    # weights 1, 1, 2 with the weight-2 one missing: coverage (1 + 1)/4 = 0.5 = threshold → kept,
    # score (20 + 80)/2 = 50
    indicators = [plain(weight=1), plain(weight=1), plain(weight=2)]
    result = score_all(build(indicators, [obs(0, T, 20.0), obs(1, T, 80.0)]), NO_NOISE)
    assert row(result)["coverage"] == 0.5
    assert row(result)["score"] == 50.0
    assert row(result)["flags"] == []


def test_coverage_at_the_threshold_with_decimal_weights_is_kept():
    # weights 0.1, 0.2, 0.3, only the 0.3 one scored (60): coverage 0.3/(0.1 + 0.2 + 0.3) = 0.5 → kept,
    # score 0.3·60 / 0.3 = 60. (In binary floating point 0.3/0.6000000000000001 = 0.49999999999999994,
    # which must not withhold a score whose published coverage is 0.5.)
    indicators = [plain(weight=0.1), plain(weight=0.2), plain(weight=0.3)]
    result = score_all(build(indicators, [obs(2, T, 60.0)]), NO_NOISE)
    assert row(result)["coverage"] == 0.5
    assert row(result)["score"] == pytest.approx(60.0, abs=1e-9)
    assert row(result)["flags"] == []


def test_coverage_below_the_threshold_is_withheld():
    # weights 1, 1, 2 with only one weight-1 indicator: coverage 1/4 = 0.25 < 0.5 → withheld
    indicators = [plain(weight=1), plain(weight=1), plain(weight=2)]
    result = score_all(build(indicators, [obs(0, T, 90.0)]), NO_NOISE)
    assert row(result)["coverage"] == 0.25
    assert row(result)["score"] is None
    assert row(result)["lower"] is None and row(result)["upper"] is None
    assert row(result)["flags"] == ["insufficient_coverage"]
    # With the threshold at 0.25 the same alliance is scored: 90·1/1 = 90.
    lenient = MethodologyConfig(mc_noise=0.0, coverage_threshold=0.25)
    assert row(score_all(build(indicators, [obs(0, T, 90.0)]), lenient))["score"] == 90.0


def test_an_axis_without_indicators_is_not_measured_and_null():
    result = score_all(build([plain(axis="performance")], [obs(0, T, 30.0)]), NO_NOISE)
    for axis in ("innovation", "trust"):
        r = row(result, axis)
        assert r["score"] is None  # null, never 0
        assert r["coverage"] is None
        assert r["lower"] is None and r["upper"] is None and r["delta_1y"] is None
        assert r["flags"] == ["not_measured"]
        assert (r["n_indicators"], r["n_scored_indicators"]) == (0, 0)
    assert row(result, "performance")["score"] == 30.0


def test_indicators_without_any_value_give_null_not_zero():
    result = score_all(build([plain(), plain()], []), NO_NOISE)
    assert row(result)["score"] is None
    assert row(result)["coverage"] == 0.0  # 0 / 2
    assert row(result)["flags"] == ["insufficient_coverage"]
    assert result.diagnostics["indicators_without_recent_value"] == 2


def test_collective_and_member_indicators_of_the_axis_all_count():
    # Both are indicators of alliance a0 on the axis; their origin does not matter:
    # (1·30 + 3·70)/(1 + 3) = 240/4 = 60
    indicators = [plain(weight=1), plain(weight=3)]
    assert score_of(indicators, [obs(0, T, 30.0), obs(1, T, 70.0)]) == 60.0


# --------------------------------------------------------------------------------- 4. trend
def test_delta_1y():
    # at T: the period ending at T (70); at T − 365: the period ending at T − 365 (40): 70 − 40 = 30.
    # The period ending at T − 364 ends one day after T − 365: not yet there on the earlier side.
    observations = [obs(0, T, 70.0), obs(0, T - 365, 40.0), obs(0, T - 364, 90.0, start=T - 364)]
    result = score_all(build([plain()], observations), NO_NOISE)
    assert row(result)["score"] == 70.0
    assert row(result)["delta_1y"] == 30.0


def test_delta_1y_uses_the_same_k_for_the_earlier_side():
    # The earlier period's correction to 10 came after K: the earlier side stays 40, 70 − 40 = 30.
    observations = [
        obs(0, T, 70.0),
        obs(0, T - 365, 40.0, recorded=200),
        obs(0, T - 365, 10.0, recorded=K + 1),
    ]
    assert row(score_all(build([plain()], observations), NO_NOISE))["delta_1y"] == 30.0


def test_delta_1y_is_null_when_the_earlier_side_is_null():
    # Only a value ending at T: at T − 365 nothing has ended yet.
    result = score_all(build([plain()], [obs(0, T, 70.0)]), NO_NOISE)
    assert row(result)["score"] == 70.0
    assert row(result)["delta_1y"] is None


def test_delta_1y_is_null_when_the_current_side_is_null():
    # Only a value ending at T − 1200. At T: 1200 > 1095 days of lookback → nothing, score null.
    # At T − 365: (T − 365) − (T − 1200) = 835 ≤ 1095 → 50. Delta: null − 50 → null.
    result = score_all(build([plain()], [obs(0, T - 1200, 50.0)]), NO_NOISE)
    assert row(result)["score"] is None
    assert row(result)["delta_1y"] is None


def test_no_trend_for_an_alliance_that_did_not_count_a_year_before():
    # T − 365 = 19635. Each alliance has one indicator with one value, 50 for a0 and 80 for a1,
    # for the year ending T − 400: within 1095 days of T (400) and of T − 365 (35), so the same
    # value is selected on both sides.
    # a0 started at T − 100, after T − 365: it does not count then. Its earlier side is null, so
    # its delta is null (not 50 − 50 = 0, as if it had been scored then).
    # a1 started at T − 365 to the day: it counts then, 80 − 80 = 0.
    # group: at T (50 + 80)/2 = 65; at T − 365 a1 alone, 80; delta 65 − 80 = −15.
    indicators = [plain(0), plain(1)]
    observations = [obs(0, T - 400, 50.0), obs(1, T - 400, 80.0)]
    dates = [(T - 100, None), (T - 365, T + 10)]
    inputs = build(indicators, observations, groups=[("all", None, [0, 1])], dates=dates)
    result = score_all(inputs, NO_NOISE)
    a0 = row(result, subject_id="a0")
    assert (a0["score"], a0["coverage"], a0["flags"], a0["delta_1y"]) == (50.0, 1.0, [], None)
    a1 = row(result, subject_id="a1")
    assert (a1["score"], a1["delta_1y"]) == (80.0, 0.0)
    group = row(result, subject_type="all", subject_id=None)
    assert (group["score"], group["n_scored"], group["delta_1y"]) == (65.0, 2, -15.0)
    # The axes a0 does not measure stay not measured, without a trend.
    assert row(result, "trust", subject_id="a0")["flags"] == ["not_measured"]
    assert row(result, "trust", subject_id="a0")["delta_1y"] is None

    # Started one day later, a1 does not count at T − 365 either: the group has no earlier
    # side, and no trend.
    later = build(indicators, observations, groups=[("all", None, [0, 1])], dates=[dates[0], (T - 364, None)])
    result = score_all(later, NO_NOISE)
    assert row(result, subject_id="a1")["delta_1y"] is None
    group = row(result, subject_type="all", subject_id=None)
    assert (group["score"], group["delta_1y"]) == (65.0, None)

    # Without dates both count on both sides, as before: 50 − 50 = 0 and 65 − 65 = 0.
    undated = score_all(build(indicators, observations, groups=[("all", None, [0, 1])]), NO_NOISE)
    assert row(undated, subject_id="a0")["delta_1y"] == 0.0
    assert row(undated, subject_type="all", subject_id=None)["delta_1y"] == 0.0


# ------------------------------------------------------------------- 5. uncertainty band
def two_indicators(first: float, second: float, seed: int = 7) -> ScoringInput:
    return build([plain(), plain()], [obs(0, T, first), obs(1, T, second)], seed=seed)


def test_no_noise_collapses_the_band():
    # (20 + 80)/2 = 50, and without noise every draw is 50
    r = row(score_all(two_indicators(20.0, 80.0), NO_NOISE))
    assert r["lower"] == r["score"] == r["upper"] == 50.0


def test_equal_indicator_scores_collapse_the_band():
    # whatever the weights of a draw, the weighted mean of 60 and 60 is 60
    r = row(score_all(two_indicators(60.0, 60.0), MethodologyConfig()))
    assert r["lower"] == r["score"] == r["upper"] == 60.0


def test_equal_indicator_scores_with_decimal_weights_collapse_the_band():
    # weights 0.1, 0.2, 0.3, each indicator at 100·(1.0000005/100) = 1.0000005: the weighted mean is
    # 1.0000005 too, on a rounding tie of the 6th decimal. The float mean may miss it by an ulp; the
    # draws must still be the published score, not the indicators' common value.
    indicators = [plain(weight=0.1), plain(weight=0.2), plain(weight=0.3)]
    observations = [obs(i, T, 1.0000005) for i in range(3)]
    r = row(score_all(build(indicators, observations), MethodologyConfig()))
    assert r["score"] in (1.0, 1.000001)
    assert r["lower"] == r["score"] == r["upper"]


def test_the_band_brackets_the_score_and_stays_within_the_extreme_draws():
    # score (20 + 80)/2 = 50. A draw is (m₁·20 + m₂·80)/(m₁ + m₂) with m in [0.75, 1.25]:
    # at worst (1.25·20 + 0.75·80)/2 = 85/2 = 42.5, at best (0.75·20 + 1.25·80)/2 = 115/2 = 57.5.
    r = row(score_all(two_indicators(20.0, 80.0), MethodologyConfig()))
    assert r["score"] == 50.0
    assert 42.5 <= r["lower"] < r["score"] < r["upper"] <= 57.5


def test_the_band_is_reproducible_with_the_seed():
    config = MethodologyConfig()
    first = row(score_all(two_indicators(20.0, 80.0, seed=11), config))
    again = row(score_all(two_indicators(20.0, 80.0, seed=11), config))
    other = row(score_all(two_indicators(20.0, 80.0, seed=12), config))
    assert (first["lower"], first["upper"]) == (again["lower"], again["upper"])
    assert (first["lower"], first["upper"]) != (other["lower"], other["upper"])
    assert other["score"] == first["score"] == 50.0  # the seed never moves the score itself


def test_the_same_snapshot_twice_gives_the_same_rows():
    indicators = [plain(0), plain(0), plain(1), plain(1, weight=2)]
    observations = [obs(0, T, 20.0), obs(1, T, 80.0), obs(2, T, 35.0), obs(3, T, 65.0)]
    one = score_all(build(indicators, observations, groups=[("all", None, [0, 1])]), MethodologyConfig())
    two = score_all(build(indicators, observations, groups=[("all", None, [0, 1])]), MethodologyConfig())
    assert one.rows == two.rows


# ------------------------------------------------------------------------------ 6. roll-ups
def rollup_input(groups) -> ScoringInput:
    """a0..a3 score 10, 20, 40, 80 on performance; a4 has only a trust indicator (50)."""
    indicators = [plain(0), plain(1), plain(2), plain(3), plain(4, axis="trust")]
    observations = [obs(0, T, 10.0), obs(1, T, 20.0), obs(2, T, 40.0), obs(3, T, 80.0), obs(4, T, 50.0)]
    return build(indicators, observations, groups=groups)


ALL = [("all", None, [0, 1, 2, 3, 4])]


def test_rollup_statistics():
    result = score_all(rollup_input(ALL), NO_NOISE)
    r = row(result, "performance", "all", None)
    assert r["n_alliances"] == 5  # a4 belongs to the group...
    assert r["n_scored"] == 4  # ...but has no performance score
    # mean (10 + 20 + 40 + 80)/4 = 150/4 = 37.5 (a4 is not counted as 0, which would give 150/5 = 30)
    assert r["score"] == 37.5
    # sorted 10, 20, 40, 80, linear interpolation at q·(n − 1) = q·3:
    # median: 1.5 → 20 + 0.5·(40 − 20) = 30
    # p25: 0.75 → 10 + 0.75·(20 − 10) = 17.5
    # p75: 2.25 → 40 + 0.25·(80 − 40) = 50
    assert (r["median"], r["p25"], r["p75"]) == (30.0, 17.5, 50.0)
    assert (r["min"], r["max"]) == (10.0, 80.0)
    assert r["coverage"] is None
    assert r["flags"] == []
    assert r["lower"] == r["upper"] == 37.5  # no noise: every draw's mean is 37.5


def test_rollup_of_two_and_of_one():
    groups = [("domain", "employment", [0, 1]), ("catalyst", "c1", [3])]
    result = score_all(rollup_input(groups), NO_NOISE)
    two = row(result, "performance", "domain", "employment")
    # 10, 20: mean 15; median at 0.5 → 15; p25 at 0.25 → 10 + 0.25·10 = 12.5; p75 at 0.75 → 17.5
    assert (two["score"], two["median"], two["p25"], two["p75"]) == (15.0, 15.0, 12.5, 17.5)
    assert (two["min"], two["max"]) == (10.0, 20.0)
    one = row(result, "performance", "catalyst", "c1")
    # a single alliance: every statistic is its score, 80
    assert one["score"] == one["median"] == one["p25"] == one["p75"] == one["min"] == one["max"] == 80.0


def test_groups_overlap():
    # a0 is in both catalysts and in the territory and its ancestor: it counts in each.
    groups = [
        ("catalyst", "c1", [0, 1]),
        ("catalyst", "c2", [0, 2]),
        ("territory", "commune", [0]),
        ("territory", "region", [0, 3]),
    ]
    result = score_all(rollup_input(groups), NO_NOISE)
    assert row(result, "performance", "catalyst", "c1")["score"] == 15.0  # (10 + 20)/2
    assert row(result, "performance", "catalyst", "c2")["score"] == 25.0  # (10 + 40)/2
    assert row(result, "performance", "territory", "commune")["score"] == 10.0
    assert row(result, "performance", "territory", "region")["score"] == 45.0  # (10 + 80)/2


def test_small_groups_are_withheld():
    config = MethodologyConfig(mc_noise=0.0, min_group_size=5)
    r = row(score_all(rollup_input(ALL), config), "performance", "all", None)
    assert (r["n_alliances"], r["n_scored"]) == (5, 4)  # 4 scored < 5
    assert r["flags"] == ["small_group"]
    for key in ("score", "median", "p25", "p75", "min", "max", "lower", "upper"):
        assert r[key] is None, key
    # At exactly min_group_size the group is published.
    config = MethodologyConfig(mc_noise=0.0, min_group_size=4)
    r = row(score_all(rollup_input(ALL), config), "performance", "all", None)
    assert r["score"] == 37.5
    assert r["flags"] == []


def test_a_group_without_any_score_is_not_measured():
    config = MethodologyConfig(mc_noise=0.0, min_group_size=2)
    result = score_all(rollup_input(ALL), config)
    innovation = row(result, "innovation", "all", None)  # nobody has an innovation indicator
    assert (innovation["n_alliances"], innovation["n_scored"]) == (5, 0)
    assert innovation["score"] is None
    assert innovation["flags"] == ["not_measured"]
    trust = row(result, "trust", "all", None)  # a4 only: 1 scored < 2
    assert (trust["n_scored"], trust["score"], trust["flags"]) == (1, None, ["small_group"])


def test_every_group_has_a_row_for_each_axis():
    groups = [*ALL, ("territory_type", "rural", [1, 2]), ("actor_type", "association", [4])]
    result = score_all(rollup_input(groups), NO_NOISE)
    group_rows = [r for r in result.rows if r["subject_type"] != "alliance"]
    keys = sorted((r["subject_type"], r["subject_id"] or "", r["axis"]) for r in group_rows)
    assert keys == sorted(
        (subject_type, subject_id or "", axis)
        for subject_type, subject_id, _ in groups
        for axis in ("performance", "innovation", "trust")
    )
    alliance_rows = [r for r in result.rows if r["subject_type"] == "alliance"]
    assert len(alliance_rows) == 5 * 3


def test_group_delta_and_band():
    # a0: 10 at T − 365 → 30 at T; a1: 20 at T − 365 → 20 at T.
    # group at T: (30 + 20)/2 = 25; at T − 365: (10 + 20)/2 = 15; delta 25 − 15 = 10
    indicators = [plain(0), plain(1)]
    observations = [obs(0, T, 30.0), obs(0, T - 365, 10.0), obs(1, T, 20.0), obs(1, T - 365, 20.0)]
    result = score_all(build(indicators, observations, groups=[("all", None, [0, 1])]), MethodologyConfig())
    r = row(result, "performance", "all", None)
    assert r["score"] == 25.0
    assert r["delta_1y"] == 10.0
    # Each alliance has a single indicator, so each draw equals its score: the band collapses.
    assert r["lower"] == r["upper"] == 25.0


def test_no_noise_collapses_the_band_of_a_large_group():
    # 20 alliances whose exact mean sits on a rounding tie of the 6th decimal:
    # (32.325 + 18.152 + … + 24.08501)/20 = 800.00001/20 = 40.0000005. Summed in another order the
    # mean of the (identical) draws rounded to 40.000001 while the score rounded to 40.0.
    values = [32.325, 18.152, 73.816, 18.025, 30.048, 5.648, 75.559, 36.386, 65.593, 21.724]
    values += [2.18, 32.242, 77.906, 83.745, 34.884, 84.694, 5.035, 52.211, 25.742, 24.08501]
    indicators = [plain(a) for a in range(20)]
    observations = [obs(a, T, value) for a, value in enumerate(values)]
    result = score_all(build(indicators, observations, groups=[("all", None, list(range(20)))]), NO_NOISE)
    r = row(result, "performance", "all", None)
    assert r["score"] in (40.0, 40.000001)
    assert r["lower"] == r["score"] == r["upper"]


# ------------------------------------------------------------ the example of docs/methodology.md
def day(text: str) -> int:
    return date.fromisoformat(text).toordinal()


def test_the_worked_example_of_the_documentation():
    """docs/methodology.md, "A worked example": the same numbers, worked out there by hand."""
    indicators = [
        indicator(0, "performance", 2, baseline=10, target=50),  # i0 A · jobs created
        indicator(0, "performance", 1, direction="decrease", worst=30, best=10),  # i1 A · weeks to a job
        indicator(0, "trust", 1, measure="ordinal", scale=(1, 5)),  # i2 A · partners' satisfaction
        indicator(0, "trust", 1, measure="percentage"),  # i3 A · decisions taken in plenary
        indicator(1, "performance", 1, worst=0, best=40),  # i4 B · companies supported
        indicator(1, "trust", 1, measure="ordinal", scale=(1, 5)),  # i5 B · trust survey
        indicator(1, "trust", 1, measure="binary"),  # i6 B · charter signed
        indicator(1, "trust", 1, measure="percentage"),  # i7 B · attendance
    ]

    def yearly(ind: int, year: int, value: float, recorded: str) -> dict:
        return obs(ind, day(f"{year}-12-31"), value, start=day(f"{year}-01-01"), recorded=day(recorded))

    observations = [
        yearly(0, 2024, 30, "2025-02-10"),
        yearly(0, 2024, 34, "2025-03-15"),  # the correction, known at K
        yearly(0, 2024, 41, "2025-07-03"),  # recorded after K: not read
        yearly(0, 2023, 26, "2024-02-01"),
        yearly(1, 2024, 15, "2025-02-10"),
        yearly(1, 2023, 20, "2024-02-01"),
        obs(2, day("2024-03-31"), 4, start=day("2024-03-01"), recorded=day("2024-04-15")),
        yearly(3, 2019, 40, "2020-01-20"),
        yearly(4, 2024, 18, "2025-01-31"),
        yearly(5, 2024, 3, "2025-01-31"),
    ]
    groups = [("catalyst", "reseau-x", [0, 1])]
    inputs = build(
        indicators, observations, groups=groups, as_of=day("2025-06-30"), known_at=day("2025-07-01")
    )
    result = score_all(inputs, MethodologyConfig())

    a_perf = row(result, "performance", "alliance", "a0")
    # jobs: (34 − 10)/(50 − 10) = 0.6 → 60; weeks: (15 − 30)/(10 − 30) = 0.75 → 75
    # (2·60 + 1·75)/(2 + 1) = 195/3 = 65, coverage 3/3
    assert (a_perf["score"], a_perf["coverage"]) == (65.0, 1.0)
    # a year earlier: jobs (26 − 10)/40 = 0.4 → 40; weeks (20 − 30)/(−20) = 0.5 → 50;
    # (2·40 + 50)/3 = 130/3 = 43.333…; delta 65 − 43.333… = 21.666667
    assert a_perf["delta_1y"] == 21.666667
    # band within the extreme draws (multipliers in [0.75, 1.25]):
    # (2·1.25·60 + 0.75·75)/3.25 = 206.25/3.25 = 63.46… and (2·0.75·60 + 1.25·75)/2.75 = 183.75/2.75 = 66.81…
    assert 63.461538 <= a_perf["lower"] < 65.0 < a_perf["upper"] <= 66.818182

    a_trust = row(result, "trust", "alliance", "a0")
    # satisfaction 4 on 1..5: (4 − 1)/4 → 75; plenary share of 2019: 2008 days > 1825 → missing
    # coverage 1/2 = 0.5 → kept; score 75. A year earlier, 1643 days ≤ 1825: 40 counts,
    # (75 + 40)/2 = 57.5, delta 75 − 57.5 = 17.5
    assert (a_trust["score"], a_trust["coverage"], a_trust["delta_1y"]) == (75.0, 0.5, 17.5)
    assert a_trust["lower"] == a_trust["upper"] == 75.0  # a single scored indicator
    assert row(result, "innovation", "alliance", "a0")["flags"] == ["not_measured"]

    b_perf = row(result, "performance", "alliance", "a1")
    assert b_perf["score"] == 45.0  # 18/40 = 0.45 → 45
    assert b_perf["delta_1y"] is None  # nothing ended by 2024-06-30
    b_trust = row(result, "trust", "alliance", "a1")
    # survey 3 on 1..5 → 50; coverage 1/3 < 0.5 → withheld
    assert (b_trust["score"], b_trust["coverage"], b_trust["flags"]) == (
        None,
        0.333333,
        ["insufficient_coverage"],
    )

    perf = row(result, "performance", "catalyst", "reseau-x")
    # 45 and 65: mean 55, median 55, p25 45 + 0.25·20 = 50, p75 45 + 0.75·20 = 60
    assert (perf["n_alliances"], perf["n_scored"]) == (2, 2)
    assert (perf["score"], perf["median"], perf["p25"], perf["p75"]) == (55.0, 55.0, 50.0, 60.0)
    assert (perf["min"], perf["max"]) == (45.0, 65.0)
    trust = row(result, "trust", "catalyst", "reseau-x")
    assert (trust["n_alliances"], trust["n_scored"], trust["score"]) == (2, 1, 75.0)
    innovation = row(result, "innovation", "catalyst", "reseau-x")
    assert (innovation["n_scored"], innovation["score"], innovation["flags"]) == (0, None, ["not_measured"])
