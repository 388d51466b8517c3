"""CSV in and out: files saved by spreadsheet programs, and cells they must not execute."""

import csv
import io
import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

from services.core.observations import service
from services.core.observations.batch import BatchTooLarge
from services.core.observations.ingest import MAX_BATCH_ITEMS, ItemErrors
from services.core.observations.service import IncomingValue

IMPORT_COLUMNS = ("indicator_id", "period", "value", "status", "source", "comment")
REQUIRED_COLUMNS = ("indicator_id", "period", "value")


def _delimiter(header_line: str) -> str:
    # Spreadsheets in French locales save with ";" (the comma is their decimal separator).
    return ";" if header_line.count(";") > header_line.count(",") else ","


# Spreadsheets in French write 1 234,5: LibreOffice and older Excel with a no-break space
# (U+00A0), Excel and macOS since 2020 with a narrow no-break space (U+202F), people with a
# plain space. Any of them separates thousands, whichever the decimal sign.
THOUSANDS_SEPARATORS = " \u00a0\u202f"
_GROUPED = {
    decimal_comma: re.compile(rf"[+-]?\d{{1,3}}(?:[{THOUSANDS_SEPARATORS}]\d{{3}})+(?:{decimal}\d+)?")
    for decimal_comma, decimal in ((True, ","), (False, r"\."))
}


class NumberError(ValueError):
    """A value cell that is not a number, with what to write instead."""


def _number(text: str, decimal_comma: bool) -> float:
    cleaned = text.strip()
    if any(separator in cleaned for separator in THOUSANDS_SEPARATORS):
        if not _GROUPED[decimal_comma].fullmatch(cleaned):
            example = "1 234,5" if decimal_comma else "1 234.5"
            raise NumberError(
                f"Not a number: {text!r}: digits may be grouped by three, with one space between "
                f"groups and none after the decimal {'comma' if decimal_comma else 'point'} ({example})."
            )
        cleaned = "".join(character for character in cleaned if character not in THOUSANDS_SEPARATORS)
    if decimal_comma:
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise NumberError(f"Not a finite number: {text!r}.") from None
    if not math.isfinite(value):
        raise NumberError(f"Not a finite number: {text!r}.")
    return value


def parse_import(text: str) -> tuple[list[IncomingValue], ItemErrors]:
    """Parse an import file; every bad line is reported with its line number (header = 1)."""
    errors = ItemErrors("line")
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        errors.add(1, None, "The file contains NUL characters: is it a CSV text file?", "nul_character")
        return [], errors
    header_line = text.split("\n", 1)[0]
    delimiter = _delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        errors.add(1, None, "The file is empty: expected a header line " + ",".join(IMPORT_COLUMNS), "empty")
        return [], errors
    unknown = [name for name in header if name not in IMPORT_COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if unknown or missing or len(set(header)) != len(header):
        errors.add(
            1,
            None,
            f"Header must be {','.join(IMPORT_COLUMNS)} (status, source and comment optional); "
            f"unknown: {unknown or 'none'}, missing: {missing or 'none'}.",
            "bad_header",
        )
        return [], errors
    decimal_comma = delimiter == ";"

    def read_number(text: str) -> float:
        return _number(text, decimal_comma)

    values: list[IncomingValue] = []
    next_line = reader.line_num + 1
    records = 0
    for record in reader:
        # line_num is the last line read: a record with a quoted multi-line cell starts before it.
        line, next_line = next_line, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        records += 1
        if records > MAX_BATCH_ITEMS:
            # The same bound as a JSON batch: one all-or-nothing transaction, whatever its form.
            raise BatchTooLarge(f"A file holds at most {MAX_BATCH_ITEMS} values; this one has more.")
        if len(record) != len(header):
            errors.add(line, None, f"Expected {len(header)} cells, found {len(record)}.", "cell_count")
            continue
        cells = dict(zip(header, record, strict=True))
        value = service.from_csv(line, cells, read_number, errors)
        if value is not None:
            values.append(value)
    return values, errors


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A cell that a spreadsheet shows as text instead of running it as a formula (OWASP)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def write_csv(
    columns: Iterable[str], rows: Iterable[dict[str, Any]], *, header: bool = True
) -> Iterator[str]:
    """CSV text, chunk by chunk, so that a long export is streamed in constant memory; with
    `header=False`, the rows alone (the next batch of an export already under way)."""
    columns = list(columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow(columns)
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(row.get(column)) for column in columns])
        if count % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
