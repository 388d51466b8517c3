"""Positive cases made valid where the OpenAPI document cannot say what valid is.

Schemathesis draws positive cases from the document, and its `positive_data_acceptance`
check expects each to be accepted (or answered 404 or 409). A few rules of the API are
beyond JSON Schema: a request names a territory, catalyst, organisation, member, indicator
or methodology that must exist; an end date is not before its start; a target lies in the
indicator's direction from its baseline; an ordinal scale goes up; `worst` and `best`
differ; a batch names each (indicator, period) once; an idempotency key is not reused for
another request; explanations are exported in JSON, not CSV. Before a positive case is
sent, the values these rules constrain are replaced by ones that satisfy them, so that the
check holds the API to what the document does describe, and requests reach past the
existence checks into the code behind them.
Negative cases are sent as generated, but for the well-formed ids of their paths, which name
existing objects (name_existing_objects).
"""

import ipaddress
import re
import uuid
from typing import Any
from urllib.parse import urlsplit

from schemathesis import Case

from services.core.webhooks.urls import is_public_address
from tests.contract.conftest import Existing

PUBLIC_URL = "https://hooks.example.org/observatoire"
UUID_TEXT = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
DATE_PAIRS = (
    ("started_on", "ended_on"),
    ("joined_on", "left_on"),
    ("period_start", "period_end"),
    ("baseline_date", "target_date"),
)
# Fields judged together. A PATCH that names one of them gets them all, so that the rule
# holds whatever the stored object has for the others; the values are those of a new object.
RULE_GROUPS = (
    {"latitude": None, "longitude": None},
    {"started_on": None, "ended_on": None},
    {"joined_on": None, "left_on": None},
    {"baseline_date": None, "target_date": None},
    {"worst": None, "best": None},
    {"measure_type": "quantity", "scale_min": None, "scale_max": None},
    {"direction": "increase", "baseline_value": None, "target_value": None},
)


def is_positive(case: Case) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_positive


def make_valid(case: Case, existing: Existing, *, paths_too: bool = True) -> None:
    """Rewrite, in place, the values of a positive case that only the server can judge. With
    `paths_too`, the ids in its path name existing objects too (stateful runs take them from
    the responses their links point to)."""
    headers = case.headers or {}
    if "Idempotency-Key" in headers:
        headers["Idempotency-Key"] = str(uuid.uuid4())
    if paths_too:
        _use_existing_path_ids(case, existing)
    query = case.query or {}
    if (
        isinstance(query.get("from"), str)
        and isinstance(query.get("to"), str)
        and query["to"] < query["from"]
    ):
        query["from"], query["to"] = query["to"], query["from"]
    if query.get("include") == "explanations" and query.get("format") == "csv":
        del query["format"]  # explanations are exported in JSON only, the default
    if isinstance(case.body, dict):
        if case.method.upper() == "PATCH":
            _complete_rule_groups(case.body)
        _fix_references(case, case.body, existing)
        _fix_rules(case.body)
    elif isinstance(case.body, list):
        _fix_batch(case.body, existing)
    elif isinstance(case.body, str) and case.operation.path == "/v1/observations/import":
        case.body = _fix_import(case.body, existing)


def _use_existing_path_ids(case: Case, existing: Existing) -> None:
    parameters = case.path_parameters or {}
    for name in ("catalyst_id", "organisation_id", "alliance_id", "member_id", "indicator_id"):
        if name in parameters:
            parameters[name] = getattr(existing, name)
    for name in ("snapshot_id", "preview_id"):
        if name in parameters and getattr(existing, name) is not None:
            parameters[name] = getattr(existing, name)


def name_existing_objects(case: Case, existing: Existing) -> None:
    """In a negative case, the ids of its path that are well-formed name existing objects, so
    that the value the case makes invalid reaches the validation of an existing object instead
    of a 404. An id that is itself the invalid part (not a UUID) is left as generated."""
    parameters = case.path_parameters or {}
    for name in ("catalyst_id", "organisation_id", "alliance_id", "member_id", "indicator_id"):
        value = parameters.get(name)
        if isinstance(value, str) and UUID_TEXT.fullmatch(value):
            parameters[name] = getattr(existing, name)


def spare_existing(case: Case, existing: Existing) -> None:
    """A DELETE that a link points at one of the entities positive cases refer to names an
    unknown id instead (404): deleting them would make the scenario's later positive cases
    invalid by construction (a value for an indicator of a deleted alliance is refused)."""
    parameters = case.path_parameters or {}
    for name in ("catalyst_id", "organisation_id", "alliance_id", "member_id", "indicator_id"):
        if parameters.get(name) == getattr(existing, name):
            parameters[name] = str(uuid.uuid4())


def _complete_rule_groups(body: dict[str, Any]) -> None:
    for group in RULE_GROUPS:
        if body.keys() & group.keys():
            for field, value in group.items():
                body.setdefault(field, value)


def _fix_references(case: Case, body: dict[str, Any], existing: Existing) -> None:
    path_parameters = case.path_parameters or {}
    if body.get("territory_code") is not None:
        body["territory_code"] = existing.territory_code
    if "parent_code" in body:
        # Under the country: never under the territory itself or one of its own territories.
        if path_parameters.get("code") == existing.country_code:
            del body["parent_code"]
        elif body["parent_code"] is not None or case.method.upper() == "PATCH":
            body["parent_code"] = existing.country_code
    if body.get("catalyst_ids"):
        body["catalyst_ids"] = [existing.catalyst_id]
    if body.get("catalyst_id") is not None:
        body["catalyst_id"] = existing.catalyst_id
    if body.get("organisation_id") is not None:
        body["organisation_id"] = existing.organisation_id
    if body.get("member_id") is not None:
        # A member of the indicator's own alliance, which is known only on creation.
        in_existing_alliance = path_parameters.get("alliance_id") == existing.alliance_id
        body["member_id"] = existing.member_id if in_existing_alliance else None
    if body.get("indicator_id") is not None:
        body["indicator_id"] = existing.indicator_id
    if body.get("methodology_version") is not None:
        body["methodology_version"] = existing.methodology_version
    if isinstance(body.get("url"), str) and not _names_a_public_host(body["url"]):
        body["url"] = PUBLIC_URL


def _names_a_public_host(url: str) -> bool:
    """Webhooks call public addresses only; names resolve to one in these tests (conftest)."""
    try:
        address = ipaddress.ip_address((urlsplit(url).hostname or "").strip("[]"))
    except ValueError:
        return True
    return is_public_address(address)


def _another_number(value: float) -> float:
    bigger = value + 1.0
    return bigger if bigger != value else value / 2


def _fix_rules(body: dict[str, Any]) -> None:
    point = (body.get("latitude"), body.get("longitude"))
    if None in point and point != (None, None):
        body["latitude"] = body["longitude"] = None
    for start, end in DATE_PAIRS:
        if body.get(start) is not None and body.get(end) is not None and body[end] < body[start]:
            body[start], body[end] = body[end], body[start]
    if body.get("measure_type") == "ordinal":
        low, high = body.get("scale_min"), body.get("scale_max")
        low = 0.0 if low is None else low
        high = _another_number(low) if high is None or high == low else high
        body["scale_min"], body["scale_max"] = min(low, high), max(low, high)
    elif body.get("measure_type") is not None:
        body["scale_min"] = body["scale_max"] = None
    worst, best = body.get("worst"), body.get("best")
    if worst is not None and worst == best:
        body["best"] = _another_number(worst)
    baseline, target = body.get("baseline_value"), body.get("target_value")
    if baseline is not None and target is not None:
        if target == baseline:
            target = _another_number(baseline)
        low, high = min(baseline, target), max(baseline, target)
        increasing = body.get("direction", "increase") == "increase"
        body["baseline_value"], body["target_value"] = (low, high) if increasing else (high, low)


def _fix_batch(items: list[Any], existing: Existing) -> None:
    seen: set[tuple] = set()
    kept = []
    for item in items:
        if isinstance(item, dict):
            if item.get("indicator_id") is not None:
                item["indicator_id"] = existing.indicator_id
            _fix_rules(item)
            period = (item.get("period"), item.get("period_start"), item.get("period_end"))
            if period in seen:
                continue  # one value per indicator and period in a batch
            seen.add(period)
        kept.append(item)
    items[:] = kept


def _fix_import(text: str, existing: Existing) -> str:
    # Split as the CSV reader does, on any line ending, and keep the endings as they were.
    pieces = re.split(r"(\r\n|\r|\n)", UUID_TEXT.sub(existing.indicator_id, text))
    lines, endings = pieces[::2], [*pieces[1::2], ""]
    seen: set[str] = set()
    kept = []
    for line, ending in zip(lines, endings, strict=True):
        cells = line.split(",")
        if len(cells) > 1 and cells[0] == existing.indicator_id:
            if cells[1] in seen:
                continue  # one value per indicator and period in a file
            seen.add(cells[1])
        kept.append(line + ending)
    return "".join(kept)
