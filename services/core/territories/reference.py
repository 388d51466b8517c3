"""France's regions and departments, from ISO 3166-2:FR as maintained in pycountry.

Mainland France has 13 regions (12 "metropolitan regions" plus Corsica, a collectivity
with special status) and 96 departments (95 "metropolitan departments" plus Paris, also a
collectivity with special status). The 5 overseas regions are single-department regions:
one territory each, level `region`. Departments are attached to their region even where
ISO inserts an intermediate collectivity (Alsace for Bas-Rhin and Haut-Rhin).
"""

from dataclasses import dataclass

import pycountry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.core.territories.models import Territory

MAINLAND_REGION_TYPES = {"Metropolitan region"}
CORSICA = "FR-20R"
PARIS = "FR-75C"
OVERSEAS_REGIONS = {"FR-971", "FR-972", "FR-973", "FR-974", "FR-976"}


@dataclass(frozen=True)
class ReferenceTerritory:
    code: str
    name: str
    level: str
    parent_code: str | None
    overseas: bool


def _region_of(subdivision) -> str:
    code = subdivision.parent_code
    while code is not None:
        parent = pycountry.subdivisions.get(code=code)
        if parent.type in MAINLAND_REGION_TYPES or parent.code == CORSICA:
            return parent.code
        code = parent.parent_code
    raise ValueError(f"{subdivision.code} has no region")


def reference_territories() -> list[ReferenceTerritory]:
    """France, then its regions, then its departments: parents always come first."""
    france = pycountry.countries.get(alpha_2="FR")
    assert france is not None, "pycountry knows France"
    subdivisions = list(pycountry.subdivisions.get(country_code="FR"))
    regions = [
        ReferenceTerritory(s.code, s.name, "region", "FR", s.code in OVERSEAS_REGIONS)
        for s in subdivisions
        if s.type in MAINLAND_REGION_TYPES or s.code in OVERSEAS_REGIONS or s.code == CORSICA
    ]
    departments = [
        ReferenceTerritory(s.code, s.name, "department", _region_of(s), False)
        for s in subdivisions
        if s.type == "Metropolitan department" or s.code == PARIS
    ]
    country = ReferenceTerritory("FR", france.name, "country", None, False)
    return [country, *sorted(regions, key=lambda t: t.code), *sorted(departments, key=lambda t: t.code)]


async def load_reference_territories(session: AsyncSession) -> int:
    """Insert the reference territories that are missing; returns how many were added.

    Existing rows are left alone: staff may have renamed or typed them.
    """
    existing = set((await session.scalars(select(col(Territory.code)))).all())
    paths: dict[str, str] = {}
    added = 0
    for item in reference_territories():
        path = (paths[item.parent_code] if item.parent_code else "/") + item.code + "/"
        paths[item.code] = path
        if item.code in existing:
            continue
        session.add(
            Territory(
                code=item.code,
                name=item.name,
                level=item.level,
                parent_code=item.parent_code,
                overseas=item.overseas,
                path=path,
            )
        )
        added += 1
        await session.flush()
    return added
