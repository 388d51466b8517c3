"""Numbers as the dashboard writes them in French (Intl.NumberFormat("fr-FR"), one decimal,
half away from zero), so that a test can compare the page with the API's figures."""

from decimal import ROUND_HALF_UP, Decimal

NO_SCORE = "pas de score"


def score(value: float | None) -> str:
    if value is None:
        return "—"
    return str(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)).replace(".", ",")


def band(lower: float, upper: float) -> str:
    return f"{score(lower)}–{score(upper)}"


def delta(value: float | None) -> str:
    if value is None:
        return "—"
    text = score(abs(value))
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text


def arrow(value: float | None) -> str:
    if value is None:
        return ""
    return "↑" if value >= 0.5 else "↓" if value <= -0.5 else "→"
