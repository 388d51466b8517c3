"""What an aggregation reads is what was known at K, on both databases."""

from datetime import date

import numpy as np

from services.core.aggregation.loader import load_input
from services.core.clock import utcnow
from services.core.scoring.config import MethodologyConfig
from tests.api.factories import create, create_alliance, create_catalyst


async def test_definitions_and_values_recorded_after_k_are_not_read(app, client, staff):
    catalyst = await create_catalyst(client, staff)
    alliance = await create_alliance(client, staff, [catalyst["id"]], started_on="2020-01-01")
    indicator = await create(
        client,
        f"/v1/alliances/{alliance['id']}/indicators",
        {
            "code": "K",
            "name": "Avant K",
            "calculation_method": "Somme",
            "axis": "trust",
            "baseline_value": 0,
            "target_value": 10,
        },
        staff,
    )
    path = f"/v1/indicators/{indicator['id']}/observations"
    await client.post(path, json={"period": "2024-01", "value": 4}, headers=staff)
    known_at = utcnow()
    await client.patch(f"/v1/indicators/{indicator['id']}", json={"target_value": 20}, headers=staff)
    await client.post(path, json={"period": "2024-01", "value": 8}, headers=staff)  # a correction
    await client.post(path, json={"period": "2024-02", "value": 9}, headers=staff)  # a new value
    late = await create(
        client,
        f"/v1/alliances/{alliance['id']}/indicators",
        {"code": "LATE", "name": "Après K", "calculation_method": "Somme", "axis": "trust"},
        staff,
    )

    loaded = await load_input(
        app.state.session_factory, date(2024, 12, 31), known_at, MethodologyConfig(), "hash"
    )
    scoring = loaded.scoring
    assert scoring.indicator_ids == [indicator["id"]]  # the indicator created after K is unknown
    assert late["id"] not in scoring.indicator_ids
    assert scoring.rules.target.tolist() == [10.0]  # the definition as it was at K
    observations = scoring.observations
    # Every revision recorded after K is read out or filtered; the selection keeps the value at K.
    known = observations.recorded <= scoring.known_at
    assert sorted(observations.value[known].tolist()) == [4.0]
    assert np.all(observations.recorded <= scoring.known_at)
    assert loaded.counts["alliances"] == 1
