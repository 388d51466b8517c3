"""Domain errors. Services raise these; the API turns each into an RFC 9457 problem."""

from typing import Any


class DomainError(Exception):
    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class Invalid(DomainError):
    """Input that is well-formed but breaks a rule of the domain (422)."""

    status = 422
    slug = "validation-error"
    title = "Invalid input"

    @classmethod
    def field(cls, loc: list[str | int], msg: str, code: str = "invalid") -> "Invalid":
        return cls(msg, errors=[{"loc": loc, "msg": msg, "code": code}])


def reject_cleared(changes: dict[str, Any], required: tuple[str, ...]) -> None:
    """A PATCH may change a required field but not empty it (send null)."""
    for field in required:
        if field in changes and changes[field] is None:
            raise Invalid.field(["body", field], "This field cannot be emptied.", "missing")
