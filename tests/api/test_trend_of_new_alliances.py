"""The trend's earlier side counts the alliances that counted then, with the dates the
aggregation reads from the registry (METHODOLOGY.md sections 1 and 4), on both databases."""

from datetime import date

from services.core.aggregation.loader import load_input
from services.core.clock import utcnow
from services.core.scoring.config import MethodologyConfig
from services.core.scoring.pipeline import score_all
from tests.api.factories import create, create_alliance, create_catalyst

AS_OF = date(2025, 12, 31)  # T − 365 days = 2024-12-31


async def _alliance_with_a_2023_value(client, staff, catalyst, started_on: str, value: float) -> str:
    alliance = await create_alliance(client, staff, [catalyst["id"]], started_on=started_on)
    indicator = await create(
        client,
        f"/v1/alliances/{alliance['id']}/indicators",
        {
            "code": "JOBS",
            "name": "Emplois",
            "calculation_method": "Somme",
            "axis": "performance",
            "worst": 0,
            "best": 100,
        },
        staff,
    )
    # Ends 2023-12-31: within the 1095 days of performance before T and before T − 365.
    response = await client.post(
        f"/v1/indicators/{indicator['id']}/observations",
        json={"period": "2023", "value": value},
        headers=staff,
    )
    assert response.status_code == 201, response.text
    return alliance["id"]


async def test_an_alliance_started_within_the_year_has_no_trend(app, client, staff):
    catalyst = await create_catalyst(client, staff)
    recent = await _alliance_with_a_2023_value(client, staff, catalyst, "2025-03-01", 40)
    older = await _alliance_with_a_2023_value(client, staff, catalyst, "2024-12-31", 60)
    loaded = await load_input(app.state.session_factory, AS_OF, utcnow(), MethodologyConfig(), "hash")
    rows = score_all(loaded.scoring, MethodologyConfig(mc_noise=0.0)).rows
    performance = {(r["subject_type"], r["subject_id"]): r for r in rows if r["axis"] == "performance"}
    # The same value on both dates: 40 − 40 would be 0, but the recent one did not count then.
    assert (performance[("alliance", recent)]["score"], performance[("alliance", recent)]["delta_1y"]) == (
        40.0,
        None,
    )
    # Started on T − 365 to the day: it counted, 60 − 60 = 0.
    assert performance[("alliance", older)]["delta_1y"] == 0.0
    # The catalyst: (40 + 60)/2 = 50 at T, 60 alone at T − 365: −10.
    group = performance[("catalyst", catalyst["id"])]
    assert (group["score"], group["delta_1y"]) == (50.0, -10.0)
