"""Generators of the document's own string formats, for schemathesis to draw positive cases from.

`siren` and `observations-csv` name rules that a pattern cannot state (a check digit; what a
spreadsheet saves). Their generators produce values of the format; the values refer to
indicators that do not exist, which `positive_data` then replaces by one that does.
"""

from hypothesis import strategies as st

from services.core.demo.siren import siren
from services.core.observations.csv_format import IMPORT_COLUMNS
from services.core.observations.periods import PERIOD_PATTERN
from services.core.observations.service import STATUSES, TEXT_LIMITS

_UUID = "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
_NUMBER = r"-?[0-9]{1,15}(?:\.[0-9]{1,15})?"
_STATUS = "(?:" + "|".join(sorted(STATUSES)) + ")?"


def _text_cell(limit: int) -> str:
    # Not starting with a quote (a quoted cell), without a separator or a line break.
    return f'(?:[^,"\\r\\n\\x00][^,\\r\\n\\x00]{{0,{limit - 1}}})?'


_ROW = ",".join(
    [
        _UUID,
        PERIOD_PATTERN[1:-1],
        _NUMBER,
        _STATUS,
        _text_cell(TEXT_LIMITS["source"]),
        _text_cell(TEXT_LIMITS["comment"]),
    ]
)
# Files as this service writes them: every column, `,`-separated, no quoting.
CANONICAL_IMPORT = rf"\A\ufeff?{','.join(IMPORT_COLUMNS)}(?:(?:\r\n|\r|\n){_ROW})*(?:\r\n|\r|\n)?\Z"

FORMATS = {
    # 9 digits ending with their Luhn check digit.
    "siren": st.integers(0, 99_999_999).map(lambda number: siren(f"{number:08d}")),
    "observations-csv": st.from_regex(CANONICAL_IMPORT),
}
