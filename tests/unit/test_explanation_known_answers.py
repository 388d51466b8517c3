"""Known answers of explanations (METHODOLOGY.md section 8), worked out by hand.

Same conventions as test_scoring_known_answers: T = day 20000, K = 1000, every expected number
computed in the comments. The trend lag is 365 days, so T − lag = day 19635.
"""

from dataclasses import replace
from datetime import date

import numpy as np
import orjson

from services.core.scoring.config import MethodologyConfig
from services.core.scoring.explain import ExplanationInput, contributions
from services.core.scoring.pipeline import ScoringInput, score_all
from tests.unit.test_scoring_known_answers import NO_NOISE, K, T, build, indicator, obs, plain


def explained(inputs: ScoringInput, excluded=()) -> ScoringInput:
    """The input with what explanations cite: observation `o<revision>`, indicator `C<n>`."""
    n = len(inputs.indicator_ids)
    revisions = inputs.observations.revision
    return replace(
        inputs,
        explanation=ExplanationInput(
            indicator_codes=[f"C{i}" for i in range(n)],
            indicator_names=[f"Indicator {i}" for i in range(n)],
            alliance_names=[f"Alliance {a}" for a in range(len(inputs.alliance_ids))],
            observation_ids=np.array([f"o{r}" for r in revisions.tolist()], dtype=object),
            observation_status=np.ones(revisions.size, dtype=np.int64),  # final
            observation_revision=np.ones(revisions.size, dtype=np.int64),
            excluded=tuple(excluded),
        ),
    )


def explanation(result, subject_type="alliance", subject_id="a0", axis="performance") -> dict:
    axes = ("performance", "innovation", "trust")
    for kind, subject, documents in result.explanations:
        if (kind, subject) == (subject_type, subject_id):
            return orjson.loads(documents[axes.index(axis)])
    raise AssertionError((subject_type, subject_id))


def day(n: int) -> str:
    return date.fromordinal(n).isoformat()


def test_an_axis_with_one_missing_and_one_unscorable_indicator():
    indicators = [
        plain(weight=2.0),  # i0: value 60 → s = 60
        plain(weight=1.0),  # i1: value 30 → s = 30
        plain(weight=1.0),  # i2: its only value ended 2000 days before T: missing
        indicator(weight=1.0),  # i3: a quantity without goalposts: unscorable
    ]
    observations = [
        obs(0, T - 10, 60.0),
        obs(1, T - 20, 30.0, recorded=900),
        obs(1, T - 20, 99.0, recorded=1200),  # a correction recorded after K: not read
        obs(2, T - 2000, 45.0),
        obs(3, T - 5, 7.0),
    ]
    result = score_all(explained(build(indicators, observations)), NO_NOISE)
    axis = explanation(result)
    # coverage = (2 + 1) / (2 + 1 + 1 + 1) = 0.6 ≥ 0.5; score = (2·60 + 1·30) / 3 = 50.
    assert (axis["score"], axis["coverage"], axis["coverage_threshold"], axis["flags"]) == (
        50.0,
        0.6,
        0.5,
        [],
    )
    entries = axis["indicators"]
    assert [entry["indicator_id"] for entry in entries] == ["i0", "i1", "i2", "i3"]
    # contributions: 2·60/3 = 40 and 1·30/3 = 10; 40 + 10 = 50.
    assert [entry["contribution"] for entry in entries] == [40.0, 10.0, None, None]
    assert [entry["score"] for entry in entries] == [60.0, 30.0, None, None]
    assert [entry["rule"] for entry in entries] == ["bounds", "bounds", "bounds", "unscorable"]
    assert [entry["reason"] for entry in entries] == [None, None, "no_value_in_lookback", "unscorable"]
    assert entries[3]["missing_fields"] == ["baseline_value", "target_value", "worst", "best"]
    assert entries[0]["missing_fields"] == []
    # i1 cites the revision recorded at 900 (o2), not the one at 1200 (after K).
    assert entries[1]["observation"] == {
        "id": "o2",
        "period_start": day(T - 20 - 364),
        "period_end": day(T - 20),
        "value": 30.0,
        "status": "final",
        "revision": 1,
        "recorded_at": "1970-01-01T00:00:00.000900Z",
    }
    # The unscorable indicator's value was selected, but gives no score.
    assert entries[3]["observation"]["id"] == "o5" and entries[3]["score"] is None
    assert entries[2]["observation"] is None


def test_contributions_add_up_to_the_score_to_the_millionth():
    # Three equal weights, values 2, 2, 2: score 2. Each contribution is 2/3 = 0.6666666...;
    # rounded alone, 3 × 0.666667 = 2.000001. In millionths: 666666.67 each, rounded down
    # 666666 × 3 = 1999998, 2 missing: they go to the largest remainders (all equal: the first
    # two in order): 0.666667 + 0.666667 + 0.666666 = 2.
    indicators = [plain(), plain(), plain()]
    observations = [obs(0, T, 2.0), obs(1, T, 2.0), obs(2, T, 2.0)]
    axis = explanation(score_all(explained(build(indicators, observations)), NO_NOISE))
    assert axis["score"] == 2.0
    assert [entry["contribution"] for entry in axis["indicators"]] == [0.666667, 0.666667, 0.666666]
    assert round(sum(entry["contribution"] for entry in axis["indicators"]), 6) == 2.0


def test_contributions_split_by_the_largest_remainder():
    # Weights 1, 1, 1, values 10, 20, 30.000001 → score 60.000001/3 = 20.000000333 → 20.0.
    # Millionths: 3333333.33, 6666666.67, 10000000.33: floors sum to 19999999, 1 missing, given
    # to the largest remainder (0.67: the second): 3.333333, 6.666667, 10.0.
    shares = contributions(
        np.array([0, 0, 0]), np.ones(3), np.array([10.0, 20.0, 30.000001]), 1, np.array([20.0])
    )
    assert shares.tolist() == [3.333333, 6.666667, 10.0]


def test_a_roll_up_lists_an_alliance_not_counted():
    # a0 scores 80 on performance; a1 has no performance indicator (axis null); a2 is a
    # catalyst's alliance not active at T (the loader passes it as excluded).
    indicators = [plain(alliance=0), plain(alliance=1, axis="trust")]
    observations = [obs(0, T, 80.0), obs(1, T, 50.0)]
    inputs = build(indicators, observations, groups=[("catalyst", "c1", [0, 1])])
    inputs = explained(inputs, excluded=[(0, "a2", "Alliance 2", "not_active_at_as_of")])
    result = score_all(inputs, NO_NOISE)
    performance = explanation(result, "catalyst", "c1")
    # n_alliances = 2 (a0, a1: a2 is not a member at T), n_scored = 1, score = 80.
    assert (performance["score"], performance["n_alliances"], performance["n_scored"]) == (80.0, 2, 1)
    assert performance["alliances"] == [
        {"alliance_id": "a0", "name": "Alliance 0", "score": 80.0, "counted": True, "reason": None},
        {"alliance_id": "a1", "name": "Alliance 1", "score": None, "counted": False, "reason": "axis_null"},
        {
            "alliance_id": "a2",
            "name": "Alliance 2",
            "score": None,
            "counted": False,
            "reason": "not_active_at_as_of",
        },
    ]
    trust = explanation(result, "catalyst", "c1", "trust")
    # On trust a1 counts (50) and a0 has no indicator.
    assert [(e["alliance_id"], e["counted"], e["reason"]) for e in trust["alliances"]] == [
        ("a0", False, "axis_null"),
        ("a1", True, None),
        ("a2", False, "not_active_at_as_of"),
    ]
    assert trust["score"] == 50.0


def test_a_trend_whose_earlier_side_falls_below_the_coverage_threshold():
    indicators = [plain(), plain(), plain()]
    observations = [
        obs(0, T, 90.0),
        obs(1, T, 60.0),
        obs(2, T, 30.0),
        obs(0, T - 365, 40.0),  # only i0 has a value at T − lag (ends exactly then)
        obs(1, T - 200, 10.0),  # ends after T − lag: not a value for that date
    ]
    result = score_all(explained(build(indicators, observations)), NO_NOISE)
    axis = explanation(result)
    # At T: (90 + 60 + 30) / 3 = 60, coverage 1.
    assert (axis["score"], axis["coverage"]) == (60.0, 1.0)
    assert [entry["contribution"] for entry in axis["indicators"]] == [30.0, 20.0, 10.0]
    previous = axis["previous"]
    # At T − lag: only i0 (40): coverage 1/3 = 0.333333 < 0.5, score withheld, delta_1y null.
    assert previous["as_of"] == day(T - 365)
    assert (previous["score"], previous["coverage"], previous["flags"]) == (
        None,
        0.333333,
        ["insufficient_coverage"],
    )
    # The contribution is still given: what the score would have been, 1·40/1 = 40.
    assert [entry["contribution"] for entry in previous["indicators"]] == [40.0, None, None]
    # i1's only value ends after T − lag; i2 has none at all by then (its value ends at T).
    assert [entry["reason"] for entry in previous["indicators"]] == [
        None,
        "only_values_after_as_of",
        "only_values_after_as_of",
    ]
    rows = {(r["subject_id"], r["axis"]): r for r in result.rows if r["subject_type"] == "alliance"}
    assert rows[("a0", "performance")]["delta_1y"] is None


def test_an_indicator_with_values_both_before_the_window_and_after_t_has_none_in_the_lookback():
    # Values before the loader's window and after T are not in the arrays; the load says so.
    inputs = explained(build([plain()], []))
    inputs = replace(
        inputs,
        explanation=replace(
            inputs.explanation, values_after=np.array([True]), values_before=np.array([True])
        ),
    )
    entry = explanation(score_all(inputs, NO_NOISE))["indicators"][0]
    assert (entry["observation"], entry["reason"]) == (None, "no_value_in_lookback")
    inputs = replace(inputs, explanation=replace(inputs.explanation, values_before=np.array([False])))
    assert explanation(score_all(inputs, NO_NOISE))["indicators"][0]["reason"] == "only_values_after_as_of"


def test_an_explanation_changes_nothing_in_the_rows():
    indicators = [plain(), plain(axis="trust")]
    observations = [obs(0, T, 20.0), obs(1, T - 30, 70.0)]
    inputs = build(indicators, observations, groups=[("all", None, [0])])
    config = MethodologyConfig()
    assert score_all(explained(inputs), config).rows == score_all(inputs, config).rows
    assert score_all(inputs, config).explanations == []
    assert K == 1000  # the instant of the recorded_at above


def test_the_earlier_side_of_an_alliance_that_did_not_count_a_year_before():
    # The case of test_no_trend_for_an_alliance_that_did_not_count_a_year_before: one value
    # each for the year ending T − 400, a0 started at T − 100, a1 at T − 365 to the day.
    indicators = [plain(0), plain(1)]
    observations = [obs(0, T - 400, 50.0), obs(1, T - 400, 80.0)]
    inputs = build(
        indicators, observations, groups=[("all", None, [0, 1])], dates=[(T - 100, None), (T - 365, None)]
    )
    result = score_all(explained(inputs), NO_NOISE)
    a0 = explanation(result, subject_id="a0")
    # At T a0 counts: its value 50 is its score and all of it.
    assert (a0["score"], [entry["contribution"] for entry in a0["indicators"]]) == (50.0, [50.0])
    # At T − 365 it had not started: no score, no coverage, nothing selected, and why.
    assert a0["previous"] == {
        "as_of": day(T - 365),
        "score": None,
        "coverage": None,
        "flags": ["not_active_at_as_of"],
        "indicators": [],
    }
    # a1 counts on both sides: the same value, 80 − 80 = 0.
    previous = explanation(result, subject_id="a1")["previous"]
    assert (previous["score"], previous["coverage"], previous["flags"]) == (80.0, 1.0, [])
    assert [entry["observation"]["id"] for entry in previous["indicators"]] == ["o2"]
    assert [entry["contribution"] for entry in previous["indicators"]] == [80.0]
    # The group lists both at T, where both count.
    group = explanation(result, "all", None)
    assert [(e["alliance_id"], e["counted"]) for e in group["alliances"]] == [("a0", True), ("a1", True)]
