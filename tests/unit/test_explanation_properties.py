"""Properties of explanations (METHODOLOGY.md section 8) on the random observatories of
test_scoring_properties: contributions add up to the score, every expected indicator appears
exactly once, and nothing recorded after K is cited."""

import orjson
from hypothesis import given

from services.core.scoring.config import AXES
from services.core.scoring.pipeline import score_all
from tests.unit.test_explanation_known_answers import explained
from tests.unit.test_scoring_properties import (
    PROPERTY,
    K,
    configs,
    counted_a_year_before,
    dated_scenarios,
    scenarios,
    to_input,
    with_dates,
)


def _alliance_axes(scenario, config):
    inputs = explained(to_input(scenario))
    result = score_all(inputs, config)
    rows = {(r["subject_id"], r["axis"]): r for r in result.rows if r["subject_type"] == "alliance"}
    for subject_type, subject_id, documents in result.explanations:
        if subject_type == "alliance":
            for axis, document in zip(AXES, documents, strict=True):
                yield inputs, rows[(subject_id, axis)], orjson.loads(document)


def _sides(axis: dict):
    yield axis
    yield axis["previous"]


@PROPERTY
@given(scenarios(), configs)
def test_contributions_always_add_up_to_the_score(scenario, config):
    for _, row, axis in _alliance_axes(scenario, config):
        assert axis["score"] == row["score"]
        for side in _sides(axis):
            shares = [
                entry["contribution"] for entry in side["indicators"] if entry["contribution"] is not None
            ]
            if side["score"] is not None:
                assert round(sum(shares), 6) == side["score"]
            # Exactly the scored indicators contribute.
            assert len(shares) == sum(entry["score"] is not None for entry in side["indicators"])


@PROPERTY
@given(scenarios(), configs)
def test_every_expected_indicator_appears_exactly_once(scenario, config):
    for inputs, row, axis in _alliance_axes(scenario, config):
        alliance = inputs.alliance_ids.index(row["subject_id"])
        expected = [
            indicator_id
            for n, indicator_id in enumerate(inputs.indicator_ids)
            if inputs.indicator_alliance[n] == alliance and AXES[inputs.indicator_axis[n]] == row["axis"]
        ]
        for side in _sides(axis):
            assert [entry["indicator_id"] for entry in side["indicators"]] == expected
        assert len(expected) == row["n_indicators"]
        assert sum(entry["score"] is not None for entry in axis["indicators"]) == row["n_scored_indicators"]


@PROPERTY
@given(scenarios(), configs)
def test_an_explanation_never_cites_a_revision_recorded_after_k(scenario, config):
    for inputs, _, axis in _alliance_axes(scenario, config):
        candidates = inputs.observations
        recorded = dict(zip(candidates.revision.tolist(), candidates.recorded.tolist(), strict=True))
        for side in _sides(axis):
            for entry in side["indicators"]:
                if entry["observation"] is not None:
                    assert recorded[int(entry["observation"]["id"][1:])] <= K
                else:
                    assert entry["reason"] is not None


@PROPERTY
@given(dated_scenarios(), configs)
def test_the_earlier_side_of_an_alliance_that_did_not_count_then_is_empty(dated, config):
    scenario, dates = dated
    undated = {
        (kind, subject): documents
        for kind, subject, documents in score_all(explained(to_input(scenario)), config).explanations
    }
    counted = counted_a_year_before(dates)
    result = score_all(explained(with_dates(to_input(scenario), dates)), config)
    rows = {(r["subject_id"], r["axis"]): r for r in result.rows if r["subject_type"] == "alliance"}
    for kind, subject, documents in result.explanations:
        if kind != "alliance" or counted[int(subject[1:])]:
            # Groups are explained at T only; an alliance that counted then is unchanged.
            assert documents == undated[(kind, subject)]
            continue
        for axis_name, document, before in zip(AXES, documents, undated[(kind, subject)], strict=True):
            axis, axis_before = orjson.loads(document), orjson.loads(before)
            assert {**axis, "previous": None} == {**axis_before, "previous": None}
            assert axis["previous"] == {
                "as_of": axis_before["previous"]["as_of"],
                "score": None,
                "coverage": None,
                "flags": ["not_active_at_as_of"],
                "indicators": [],
            }
            assert rows[(subject, axis_name)]["delta_1y"] is None
