"""The demo dataset, read from `demo.json` (next to this module, shipped with the package).

The file holds one object with five keys:

- `territories`: a list of TerritoryCreate bodies, parents before their children. France,
  its regions and departments are reference territories (loaded by `observatoire migrate`),
  so they are not listed.
- `catalysts` and `organisations`: CatalystCreate and OrganisationCreate bodies keyed by a
  slug, which the seed turns into a deterministic id.
- `alliances`: AllianceCreate bodies keyed by slug, where `catalysts` lists catalyst slugs
  (instead of `catalyst_ids`) and `members` lists MemberCreate bodies whose `organisation` is
  an organisation slug (instead of `organisation_id`).
- `indicators`: per alliance slug, IndicatorCreate bodies identified by their code within the
  alliance, plus `member` (the organisation slug of a member-scoped indicator), `values` (its
  ObservationCreate bodies) and `corrections` (a value first posted for a period, then
  corrected to the one in `values`: both stay in the observation's history).

Every body is validated by its schema when it is seeded, exactly like an API request. Periods
are a year (2024), a quarter (2024-Q2) or a month (2024-05); values run up to September 2026.

The people, places and partnerships are fictional but modelled on the sources of the domain.
Territory codes of communes and EPCIs are INSEE codes and SIREN numbers with a prefix; the
SIREN numbers of organisations are made up, with a valid check digit (see `siren.py`).
"""

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

DATASET_FILE = "demo.json"

# A JSON object as read by `json.loads`: the seed hands it to a Create schema to validate.
Body = dict[str, Any]


@dataclass(frozen=True)
class DemoDataset:
    territories: list[Body]
    catalysts: dict[str, Body]
    organisations: dict[str, Body]
    alliances: dict[str, Body]
    indicators: dict[str, list[Body]]


@cache
def load_dataset() -> DemoDataset:
    """The dataset of `demo.json`, read once per process (callers must not modify it)."""
    text = files(__package__).joinpath(DATASET_FILE).read_text(encoding="utf-8")
    return DemoDataset(**json.loads(text))
