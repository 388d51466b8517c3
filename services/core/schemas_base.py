"""Base classes of the request and response schemas."""

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError


def reject_nul(value: Any) -> Any:
    """Text with a NUL character cannot be stored (PostgreSQL refuses it): refuse it here."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    if isinstance(value, list):
        for item in value:
            reject_nul(item)
    return value


# What str.strip() removes, spelt out: regular expression engines disagree on `\s`.
WHITESPACE = (
    "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
)
# Published on every text field of a request that has no narrower pattern of its own.
NO_NUL_PATTERN = "^[^\\x00]*$"
NOT_BLANK_PATTERN = f"^[^\\x00]*[^\\x00{WHITESPACE}][^\\x00]*$"


def publish_text_rules(schema: dict[str, Any], *, stripped: bool) -> None:
    """Give the schemas of free text, however nested in anyOf or items, the rules of the
    server: no NUL character and, when surrounding whitespace is stripped, for a required text
    (minLength), something besides whitespace."""
    if schema.get("type") == "string" and not schema.keys() & {"pattern", "format", "enum", "const"}:
        required = stripped and schema.get("minLength", 0) >= 1
        schema["pattern"] = NOT_BLANK_PATTERN if required else NO_NUL_PATTERN
    for subschema in schema.get("anyOf", []):
        publish_text_rules(subschema, stripped=stripped)
    if isinstance(schema.get("items"), dict):
        publish_text_rules(schema["items"], stripped=stripped)


def _strip(value: Any) -> Any:
    if type(value) is str:  # not a str enum, whose members must stay members
        return value.strip()
    if isinstance(value, list):
        return [_strip(item) for item in value]
    return value


def not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


class InputModel(BaseModel):
    """A request body: unknown fields are refused, so read-only fields cannot be mass-assigned.

    Text is stored without surrounding whitespace. It is stripped after the length limits
    are checked, so that the limits the document states hold for what the client sends.
    """

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _clean_text(cls, value: Any) -> Any:
        return _strip(reject_nul(value))

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler):
        # What _clean_text and not_blank enforce, in the document.
        schema = handler.resolve_ref_schema(handler(core_schema))
        for property_schema in schema.get("properties", {}).values():
            publish_text_rules(property_schema, stripped=True)
        return schema


def _not_nullable(schema: dict[str, Any]) -> None:
    schema.pop("default", None)
    branches = [branch for branch in schema.pop("anyOf", []) if branch.get("type") != "null"]
    if len(branches) == 1:
        schema.update(branches[0])
    elif branches:
        schema["anyOf"] = branches


def cannot_be_emptied(**field_options: Any) -> Any:
    """A field of a PATCH body that may be left out but not emptied: the service refuses null
    for it, naming the field (errors.reject_cleared), so the document offers neither null nor
    a null default. The type stays `X | None`, which keeps validation errors' locations short."""
    return Field(default=None, json_schema_extra=_not_nullable, **field_options)


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Timestamps(OutputModel):
    created_at: datetime
    updated_at: datetime


Name = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(not_blank)]

_HTTP_URL = TypeAdapter(AnyHttpUrl)
HTTP_SCHEME_PATTERN = "^[Hh][Tt][Tt][Pp][Ss]?://"


def _check_http_url(value: str) -> str:
    try:
        _HTTP_URL.validate_python(value)
    except ValidationError as exc:
        raise ValueError(f"not an http(s) URL: {exc.errors()[0]['msg']}") from None
    return value


def http_url(max_length: int, pattern: str = HTTP_SCHEME_PATTERN, **field_options: Any) -> Any:
    """An http(s) URL of at most `max_length` characters, kept as written. Its normalised
    form (a trailing slash, punycode, percent-escapes) can be longer than the limit the
    client was given, and than the column that stores it."""
    return Annotated[
        str,
        StringConstraints(min_length=1, max_length=max_length, pattern=pattern),
        Field(json_schema_extra={"format": "uri"}, **field_options),
        AfterValidator(_check_http_url),
    ]


LongText = Annotated[str, StringConstraints(max_length=5000)]


# What the document's `format: date` and `format: date-time` (RFC 3339) accept. Left to
# itself, pydantic also reads 0, "0" (Unix time) and "2024-01-01T00:00:00Z" as dates, and
# "2024-01-01" or "1700000000" as instants.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Without its offset it is still refused, by the route, with a message that asks for one.
_ISO_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})?"
)


def _date_text(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value  # built by the service itself
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise PydanticCustomError("date_format", "Input should be a date written YYYY-MM-DD (ISO 8601)")


def _date_time_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE_TIME.fullmatch(value):
        return value
    raise PydanticCustomError(
        "datetime_format", "Input should be an instant written as in 2024-05-01T00:00:00Z (RFC 3339)"
    )


def _json_integer(value: Any) -> Any:
    # A JSON integer only: pydantic would read true as 1 and "12" as 12. An integral float
    # (12.0) stays accepted, as JSON Schema counts it an integer.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("int_type", "Input should be a JSON integer")
    return value


def json_integer(**field_options: Any) -> Any:
    """An integer of a request body, with its bounds (Field options): the check comes after
    them in the annotation, so that the document states them as minimum and maximum."""
    return Annotated[int, Field(**field_options), BeforeValidator(_json_integer)]


# Request dates, in bodies and query parameters alike.
IsoDate = Annotated[date, BeforeValidator(_date_text)]
IsoDateTime = Annotated[datetime, BeforeValidator(_date_time_text)]
# Numbers and booleans of request bodies: true is not 1, 0 is not false, "12" is not 12.
JsonNumber = Annotated[float, Strict()]
JsonBoolean = Annotated[bool, Strict()]
