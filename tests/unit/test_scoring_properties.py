"""Properties of the scoring method: the invariants listed at the end of METHODOLOGY.md.

Random observatories (a few alliances, a few indicators each under every normalisation rule,
a few candidate observation revisions each, a few overlapping groups) go through `score_all`;
each test checks one invariant on every row it returns.
"""

import hashlib
import json
import math
import random
from dataclasses import dataclass, replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.core.scoring.config import AXES, MethodologyConfig
from services.core.scoring.normalise import MEASURE_CODES, IndicatorRules, normalise
from services.core.scoring.pipeline import Groups, Observations, ScoringInput, score_all

T = 20_000  # "as of", in days
K = 1_000  # known at, in the unit of `recorded`
STATISTICS = ("score", "lower", "upper", "median", "p25", "p75", "min", "max")
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------------------- scenarios
@dataclass(frozen=True)
class Indicator:
    axis: int
    weight: float
    measure: str
    decrease: bool
    scale: tuple[float, float] | None  # ordinal (a, b)
    baseline: float | None
    target: float | None
    worst: float | None
    best: float | None
    observations: tuple[tuple[int, int, int, float], ...]  # (start, end, recorded, value)


@dataclass(frozen=True)
class Scenario:
    alliances: tuple[tuple[Indicator, ...], ...]
    groups: tuple[tuple[int, ...], ...]  # members of each group; group 0 is "all"
    seed: int


finite = st.floats(-1000, 1000, allow_nan=False, allow_infinity=False)
gap = st.floats(0.5, 500, allow_nan=False, allow_infinity=False)
# Decimal weights whose float sums are not exact, so that coverage ratios sit next to the threshold.
weights = st.sampled_from([0.1, 0.2, 0.3, 0.5, 1.0, 1.5, 2.0, 3.0])


@st.composite
def indicators(draw, increase_only: bool = False) -> Indicator:
    kind = draw(st.sampled_from(["ordinal", "binary", "target", "bounds", "percentage", "unscorable"]))
    decrease = False if increase_only else draw(st.booleans())
    scale = baseline = target = worst = best = None
    measure = "quantity"
    if kind == "ordinal":
        measure = "ordinal"
        low = draw(st.integers(0, 3))
        scale = (float(low), float(low + draw(st.integers(1, 6))))
        values = st.integers(int(scale[0]), int(scale[1])).map(float)
    elif kind == "binary":
        measure = "binary"
        values = st.sampled_from([0.0, 1.0])
    elif kind == "target":
        # Direction and target agree (checked at ingestion): increase ⇒ G > B, decrease ⇒ G < B.
        baseline = draw(finite)
        target = baseline + (-1 if decrease else 1) * draw(gap)
        values = finite
    elif kind == "bounds":
        worst = draw(finite)
        best = worst + (-1 if decrease else 1) * draw(gap)
        values = finite
    elif kind == "percentage":
        measure = "percentage"
        values = st.floats(-20, 150, allow_nan=False)
    else:
        values = finite
    # 0-2 observations (periods), each with 1-2 revisions; period ends often tie across observations.
    periods = draw(
        st.lists(
            st.tuples(
                st.integers(0, 2200) | st.sampled_from([0, 365, 1095]),  # T − end
                st.integers(0, 400) | st.sampled_from([0, 364]),  # length of the period − 1
                st.lists(
                    st.tuples(st.integers(0, 1500), values), min_size=1, max_size=2
                ),  # (recorded, value)
            ),
            max_size=2,
        )
    )
    observations = tuple(
        (T - ago - length, T - ago, recorded, v)
        for ago, length, revisions in periods
        for recorded, v in revisions
    )
    # Now and then a candidate ending after T, which must be ignored. Recorded instants: K = 1000.
    if draw(st.booleans()) and observations:
        observations += ((T + 1, T + 30, 10, observations[0][3]),)
    return Indicator(
        axis=draw(st.integers(0, 2)),
        weight=draw(weights),
        measure=measure,
        decrease=decrease,
        scale=scale,
        baseline=baseline,
        target=target,
        worst=worst,
        best=best,
        observations=observations,
    )


def alliances(increase_only: bool = False):
    return st.lists(indicators(increase_only), max_size=5).map(tuple)


@st.composite
def scenarios(draw, increase_only: bool = False, max_alliances: int = 4) -> Scenario:
    members = draw(st.lists(alliances(increase_only), min_size=1, max_size=max_alliances).map(tuple))
    n = len(members)
    extra = draw(
        st.lists(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True).map(tuple), max_size=3)
    )
    return Scenario(members, (tuple(range(n)), *extra), draw(st.integers(0, 2**32 - 1)))


configs = st.builds(
    MethodologyConfig,
    coverage_threshold=st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]),
    mc_draws=st.integers(1, 40),
    mc_noise=st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.9]),
    min_group_size=st.integers(1, 3),
)


def to_input(scenario: Scenario, shuffle_seed: int | None = None) -> ScoringInput:
    flat = [(a, ind) for a, members in enumerate(scenario.alliances) for ind in members]

    def column(get) -> np.ndarray:
        return np.array([math.nan if get(ind) is None else get(ind) for _, ind in flat], dtype=float)

    rules = IndicatorRules(
        measure=np.array([MEASURE_CODES[ind.measure] for _, ind in flat], dtype=np.int64),
        decrease=np.array([ind.decrease for _, ind in flat], dtype=bool),
        scale_min=column(lambda ind: ind.scale and ind.scale[0]),
        scale_max=column(lambda ind: ind.scale and ind.scale[1]),
        baseline=column(lambda ind: ind.baseline),
        target=column(lambda ind: ind.target),
        worst=column(lambda ind: ind.worst),
        best=column(lambda ind: ind.best),
    )
    # Revision ids are numbered before any shuffle: they identify the revisions, not their order.
    candidates = [
        (i, start, end, recorded, revision, value)
        for revision, (i, (start, end, recorded, value)) in enumerate(
            ((i, o) for i, (_, ind) in enumerate(flat) for o in ind.observations), start=1
        )
    ]
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(candidates)
    columns = list(zip(*candidates, strict=True)) if candidates else [()] * 6
    member_group = [g for g, members in enumerate(scenario.groups) for _ in members]
    member_alliance = [a for members in scenario.groups for a in members]
    return ScoringInput(
        alliance_ids=[f"a{n}" for n in range(len(scenario.alliances))],
        indicator_ids=[f"i{n}" for n in range(len(flat))],
        indicator_alliance=np.array([a for a, _ in flat], dtype=np.int64),
        indicator_axis=np.array([ind.axis for _, ind in flat], dtype=np.int64),
        indicator_weight=np.array([ind.weight for _, ind in flat], dtype=float),
        rules=rules,
        observations=Observations(
            indicator=np.array(columns[0], dtype=np.int64),
            period_start=np.array(columns[1], dtype=np.int64),
            period_end=np.array(columns[2], dtype=np.int64),
            recorded=np.array(columns[3], dtype=np.int64),
            revision=np.array(columns[4], dtype=np.int64),
            value=np.array(columns[5], dtype=float),
        ),
        groups=Groups(
            subject_type=["all"] + ["catalyst"] * (len(scenario.groups) - 1),
            subject_id=[None] + [f"g{g}" for g in range(1, len(scenario.groups))],
            member_group=np.array(member_group, dtype=np.int64),
            member_alliance=np.array(member_alliance, dtype=np.int64),
        ),
        as_of=T,
        known_at=K,
        seed=scenario.seed,
    )


def run(scenario: Scenario, config: MethodologyConfig, shuffle_seed: int | None = None) -> list[dict]:
    return score_all(to_input(scenario, shuffle_seed), config).rows


def alliance_rows(rows: list[dict]) -> dict[tuple[str, str], dict]:
    return {(r["subject_id"], r["axis"]): r for r in rows if r["subject_type"] == "alliance"}


def group_rows(rows: list[dict]) -> dict[tuple[int, str], dict]:
    """Group rows by (index of the group in the scenario, axis)."""
    return {
        (0 if r["subject_id"] is None else int(r["subject_id"][1:]), r["axis"]): r
        for r in rows
        if r["subject_type"] != "alliance"
    }


def content_hash(rows: list[dict]) -> str:
    """SHA-256 of the canonical JSON of the score rows (sorted keys, no whitespace)."""
    return hashlib.sha256(json.dumps(rows, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def close(a: float | None, b: float | None, tolerance: float = 2e-6) -> bool:
    """Equal, both null, or equal up to the 6th published decimal (each side rounded once)."""
    if a is None or b is None:
        return a is b
    return abs(a - b) <= tolerance


# ------------------------------------------------------------------------------ bounds
@PROPERTY
@given(scenarios(), configs)
def test_every_published_number_is_within_bounds(scenario, config):
    for r in run(scenario, config):
        for key in STATISTICS:
            if r.get(key) is not None:
                assert 0.0 <= r[key] <= 100.0, (key, r)
        if r["coverage"] is not None:
            assert 0.0 <= r["coverage"] <= 1.0, r
        if r["delta_1y"] is not None:
            assert -100.0 <= r["delta_1y"] <= 100.0, r
        if r["score"] is not None and r["lower"] is not None:
            assert r["lower"] <= r["upper"], r


# ----------------------------------------------------------------------------- goalposts
def one_indicator_rules(worst=math.nan, best=math.nan, baseline=math.nan, target=math.nan) -> IndicatorRules:
    def one(value):
        return np.array([value], dtype=float)

    return IndicatorRules(
        measure=np.array([MEASURE_CODES["quantity"]]),
        decrease=np.array([best < worst or target < baseline]),
        scale_min=one(math.nan),
        scale_max=one(math.nan),
        baseline=one(baseline),
        target=one(target),
        worst=one(worst),
        best=one(best),
    )


@PROPERTY
@given(worst=finite, span=gap, beyond=gap, decrease=st.booleans(), rule=st.sampled_from(["bounds", "target"]))
def test_worst_scores_0_best_scores_100_and_beyond_is_clamped(worst, span, beyond, decrease, rule):
    best = worst + (-span if decrease else span)
    away = 1.0 if best > worst else -1.0  # the direction from worst towards best
    rules = (
        one_indicator_rules(worst=worst, best=best)
        if rule == "bounds"
        else one_indicator_rules(baseline=worst, target=best)
    )
    values = np.array([[worst], [best], [best + away * beyond], [worst - away * beyond]])
    assert normalise(values, rules)[:, 0].tolist() == [0.0, 100.0, 100.0, 0.0]
    # The same through the whole method: one indicator alone on its axis, observed at T.
    for value, expected in ((worst, 0.0), (best, 100.0), (best + away * beyond, 100.0)):
        indicator = Indicator(
            axis=0,
            weight=1.0,
            measure="quantity",
            decrease=decrease,
            scale=None,
            baseline=worst if rule == "target" else None,
            target=best if rule == "target" else None,
            worst=worst if rule == "bounds" else None,
            best=best if rule == "bounds" else None,
            observations=((T - 364, T, 1, value),),
        )
        rows = run(Scenario(((indicator,),), ((0,),), 1), MethodologyConfig(mc_draws=5))
        assert alliance_rows(rows)[("a0", "performance")]["score"] == expected


# --------------------------------------------------------------------------- monotonicity
def raised(indicator: Indicator, amount: float, levels: int) -> Indicator:
    """The same indicator with every candidate value raised (kept within its scale)."""

    def up(value: float) -> float:
        if indicator.measure == "binary":
            return 1.0
        if indicator.measure == "ordinal":
            return min(value + levels, indicator.scale[1])
        return value + amount

    return replace(indicator, observations=tuple((s, e, r, up(v)) for s, e, r, v in indicator.observations))


@PROPERTY
@given(scenarios(increase_only=True), configs, st.data())
def test_raising_an_increase_indicator_never_lowers_its_axis_score(scenario, config, data):
    flat = [(a, i) for a, members in enumerate(scenario.alliances) for i in range(len(members))]
    if not flat:
        return
    a, i = data.draw(st.sampled_from(flat))
    amount = data.draw(st.floats(0, 1000, allow_nan=False))
    levels = data.draw(st.integers(0, 6))
    members = list(scenario.alliances[a])
    members[i] = raised(members[i], amount, levels)
    higher = replace(
        scenario, alliances=(*scenario.alliances[:a], tuple(members), *scenario.alliances[a + 1 :])
    )
    axis = AXES[members[i].axis]
    before = alliance_rows(run(scenario, config))[(f"a{a}", axis)]
    after = alliance_rows(run(higher, config))[(f"a{a}", axis)]
    assert (before["score"] is None) == (after["score"] is None)
    if before["score"] is not None:
        assert after["score"] >= before["score"]


# --------------------------------------------------------------------------- independence
@PROPERTY
@given(scenarios(max_alliances=3), alliances(), configs)
def test_adding_an_alliance_changes_no_other_alliance(scenario, newcomer, config):
    joined = replace(scenario, alliances=(*scenario.alliances, newcomer))
    before = alliance_rows(run(scenario, config))
    after = alliance_rows(run(joined, config))
    assert len(after) == len(before) + 3
    for key, r in before.items():
        for field in ("score", "coverage", "delta_1y", "flags", "n_indicators", "n_scored_indicators"):
            assert after[key][field] == r[field], (key, field)


# ------------------------------------------------------------------------- weight scaling
@PROPERTY
@given(scenarios(), configs, st.floats(0.01, 100, allow_nan=False))
def test_multiplying_every_weight_by_a_constant_changes_no_score(scenario, config, factor):
    scaled = replace(
        scenario,
        alliances=tuple(
            tuple(replace(ind, weight=ind.weight * factor) for ind in members)
            for members in scenario.alliances
        ),
    )
    before, after = run(scenario, config), run(scaled, config)
    assert len(before) == len(after)
    for r, s in zip(before, after, strict=True):
        assert (r["subject_type"], r["subject_id"], r["axis"]) == (
            s["subject_type"],
            s["subject_id"],
            s["axis"],
        )
        assert r["flags"] == s["flags"]
        for field in (*STATISTICS, "coverage", "delta_1y"):
            assert close(r.get(field), s.get(field)), (field, r, s)


# ------------------------------------------------------------------------ missing = null
@PROPERTY
@given(scenarios(), configs, st.sampled_from(["none", "after_k", "after_t", "too_old"]))
def test_all_indicators_missing_gives_null_not_zero(scenario, config, how):
    def missing(ind: Indicator) -> Indicator:
        if how == "none":
            return replace(ind, observations=())
        if how == "after_k":  # every revision recorded after K
            return replace(ind, observations=tuple((s, e, K + 1 + r, v) for s, e, r, v in ind.observations))
        if how == "after_t":  # every period ends after T
            return replace(
                ind, observations=tuple((T + 1, T + 1 + e - s, r, v) for s, e, r, v in ind.observations)
            )
        # every period ended more than the longest lookback before T and before T − 365
        return replace(ind, observations=tuple((s - 5000, e - 5000, r, v) for s, e, r, v in ind.observations))

    empty = replace(
        scenario, alliances=tuple(tuple(missing(ind) for ind in members) for members in scenario.alliances)
    )
    rows = run(empty, config)
    for r in rows:
        assert r["score"] is None, r
        assert r["lower"] is None and r["upper"] is None and r["delta_1y"] is None, r
        assert r["flags"] in (["not_measured"], ["insufficient_coverage"]), r
        if r["subject_type"] == "alliance":
            assert r["n_scored_indicators"] == 0
            assert r["coverage"] == (None if r["n_indicators"] == 0 else 0.0)
        else:
            assert r["n_scored"] == 0 and r["flags"] == ["not_measured"]
            assert all(r[key] is None for key in STATISTICS)


# -------------------------------------------------------------------------------- roll-ups
@PROPERTY
@given(scenarios(), configs)
def test_a_one_alliance_group_equals_its_alliance(scenario, config):
    singles = replace(scenario, groups=(*scenario.groups, *((a,) for a in range(len(scenario.alliances)))))
    config = config.model_copy(update={"min_group_size": 1})
    rows = run(singles, config)
    alliances_, groups_ = alliance_rows(rows), group_rows(rows)
    first_single = len(scenario.groups)
    for a in range(len(scenario.alliances)):
        for axis in AXES:
            alliance, group = alliances_[(f"a{a}", axis)], groups_[(first_single + a, axis)]
            assert group["n_alliances"] == 1
            assert group["n_scored"] == (0 if alliance["score"] is None else 1)
            for key in ("score", "median", "p25", "p75", "min", "max"):
                assert group[key] == alliance["score"], (key, alliance, group)
            for key in ("lower", "upper", "delta_1y"):
                assert group[key] == alliance[key], (key, alliance, group)


@PROPERTY
@given(scenarios(), configs)
def test_a_group_score_lies_within_its_members(scenario, config):
    rows = run(scenario, config)
    alliances_, groups_ = alliance_rows(rows), group_rows(rows)
    for g, members in enumerate(scenario.groups):
        for axis in AXES:
            group = groups_[(g, axis)]
            scores = [alliances_[(f"a{a}", axis)]["score"] for a in members]
            scored = [s for s in scores if s is not None]
            assert group["n_alliances"] == len(members)
            assert group["n_scored"] == len(scored)
            if not scored:
                assert group["score"] is None and group["flags"] == ["not_measured"]
            elif len(scored) < config.min_group_size:
                assert group["score"] is None and group["flags"] == ["small_group"]
            else:
                assert group["flags"] == []
                assert group["min"] == min(scored) and group["max"] == max(scored)
                # The mean of the scores, never counting an alliance without a score as 0.
                assert group["score"] == pytest.approx(sum(scored) / len(scored), abs=2e-6)
                tolerance = 1e-6  # each published number is rounded once to 6 decimals
                assert group["min"] - tolerance <= group["score"] <= group["max"] + tolerance
                assert group["min"] <= group["p25"] <= group["median"] <= group["p75"] <= group["max"]


# ---------------------------------------------------------------------------- Monte Carlo
@PROPERTY
@given(scenarios(), configs)
def test_no_noise_collapses_every_band(scenario, config):
    rows = run(scenario, config.model_copy(update={"mc_noise": 0.0}))
    for r in rows:
        assert r["lower"] == r["score"] == r["upper"], r


@PROPERTY
@given(
    st.floats(-50, 150, allow_nan=False),
    st.lists(weights, min_size=1, max_size=6),
    st.sampled_from([0.1, 0.25, 0.5, 0.9]),
    st.integers(0, 2**32 - 1),
)
def test_equal_indicator_scores_collapse_the_band(value, weights_, noise, seed):
    # Every indicator of the axis on goalposts 0 → 100 with the same value: all scores are equal.
    members = tuple(
        Indicator(0, w, "quantity", False, None, None, None, 0.0, 100.0, ((T - 364, T, 1, value),))
        for w in weights_
    )
    rows = run(Scenario((members,), ((0,),), seed), MethodologyConfig(mc_noise=noise, mc_draws=30))
    r = alliance_rows(rows)[("a0", "performance")]
    assert r["lower"] == r["score"] == r["upper"], r


# ---------------------------------------------------------------------------- determinism
@PROPERTY
@given(scenarios(), configs, st.integers(0, 2**32 - 1))
def test_the_same_input_gives_the_same_rows_and_content_hash(scenario, config, shuffle_seed):
    first = run(scenario, config)
    again = run(scenario, config)
    shuffled = run(scenario, config, shuffle_seed=shuffle_seed)
    assert first == again == shuffled
    assert content_hash(first) == content_hash(again) == content_hash(shuffled)


# ------------------------------------------------------------------ trend and alliance dates
LAG = MethodologyConfig().trend_lag_days


@st.composite
def dated_scenarios(draw) -> tuple[Scenario, list[tuple[int | None, int | None]]]:
    """A scenario and each alliance's (started_on, ended_on): the alliances scored count at T
    (started by T, not ended before it), some of them not yet a year before, or only just."""
    scenario = draw(scenarios())
    start = st.none() | st.integers(T - 3 * LAG, T) | st.sampled_from([T - LAG - 1, T - LAG, T - LAG + 1, T])
    end = st.none() | st.integers(T, T + 2 * LAG) | st.just(T)
    dates = draw(
        st.lists(st.tuples(start, end), min_size=len(scenario.alliances), max_size=len(scenario.alliances))
    )
    return scenario, dates


def with_dates(inputs: ScoringInput, dates: list[tuple[int | None, int | None]]) -> ScoringInput:
    return replace(
        inputs,
        alliance_started=np.array([T - 10 * LAG if s is None else s for s, _ in dates], dtype=np.int64),
        alliance_ended=np.array([T + 10 * LAG if e is None else e for _, e in dates], dtype=np.int64),
    )


def counted_a_year_before(dates) -> list[bool]:
    earlier = T - LAG
    return [(s is None or s <= earlier) and (e is None or e >= earlier) for s, e in dates]


@PROPERTY
@given(dated_scenarios(), configs)
def test_an_alliance_that_did_not_count_a_year_before_has_no_trend(dated, config):
    scenario, dates = dated
    undated = score_all(to_input(scenario), config).rows
    rows = score_all(with_dates(to_input(scenario), dates), config).rows
    counted = counted_a_year_before(dates)
    plain_rows, dated_rows = alliance_rows(undated), alliance_rows(rows)
    assert plain_rows.keys() == dated_rows.keys()
    for (alliance_id, axis), r in dated_rows.items():
        before = plain_rows[(alliance_id, axis)]
        # T's side is the same: the dates say only which alliances counted a year before.
        assert {**r, "delta_1y": None} == {**before, "delta_1y": None}
        if counted[int(alliance_id[1:])]:
            assert r["delta_1y"] == before["delta_1y"]
        else:
            assert r["delta_1y"] is None
    plain_groups, dated_groups = group_rows(undated), group_rows(rows)
    for key, r in dated_groups.items():
        before = plain_groups[key]
        assert {**r, "delta_1y": None} == {**before, "delta_1y": None}
        members = scenario.groups[key[0]]
        if not any(counted[a] for a in members):
            assert r["delta_1y"] is None
        elif all(counted[a] for a in members):
            assert r["delta_1y"] == before["delta_1y"]
