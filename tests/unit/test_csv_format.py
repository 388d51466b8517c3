import csv
import io
import uuid
from datetime import date, datetime

import pytest

from services.core.observations.csv_format import IMPORT_COLUMNS, parse_import, safe_cell, write_csv

A = "0190f5a0-0000-7000-8000-00000000000a"
B = "0190f5a0-0000-7000-8000-00000000000b"
HEADER = ",".join(IMPORT_COLUMNS)
HEADER_SEMI = ";".join(IMPORT_COLUMNS)


def lines_of(errors) -> list[int]:
    return [item["line"] for item in errors.items]


def fields_of(errors) -> list[tuple[int, str | None]]:
    return [(item["line"], item["loc"][2] if len(item["loc"]) > 2 else None) for item in errors.items]


def test_comma_separated_file():
    text = f"{HEADER}\n{A},2024-Q2,12.5,provisional,INSEE,premier relevé\n{B},2024,3,,,\n"
    values, errors = parse_import(text)
    assert errors.items == []
    assert len(values) == 2
    first, second = values
    assert first.indicator_id == uuid.UUID(A)
    assert (first.period_start, first.period_end) == (date(2024, 4, 1), date(2024, 6, 30))
    assert first.value == 12.5
    assert (first.status, first.source, first.comment) == ("provisional", "INSEE", "premier relevé")
    assert first.position == 2
    assert second.indicator_id == uuid.UUID(B)
    assert (second.period_start, second.period_end) == (date(2024, 1, 1), date(2024, 12, 31))
    # An empty status means final; empty texts are absent, not empty strings.
    assert (second.status, second.source, second.comment) == ("final", None, None)
    assert second.position == 3


def test_semicolon_separated_file_with_decimal_comma():
    text = f"{HEADER_SEMI}\r\n{A};2024-05;12,5;final;;\r\n{A};2024-06;-0,25;estimated;;\r\n"
    values, errors = parse_import(text)
    assert errors.items == []
    assert [v.value for v in values] == [12.5, -0.25]
    assert [v.status for v in values] == ["final", "estimated"]
    assert [(v.period_start, v.period_end) for v in values] == [
        (date(2024, 5, 1), date(2024, 5, 31)),
        (date(2024, 6, 1), date(2024, 6, 30)),
    ]


def test_semicolon_file_accepts_a_decimal_point_and_spaces_between_thousands():
    text = f"{HEADER_SEMI}\n{A};2024;1 234,5;;;\n{A};2025;1\u00a0000;;;\n{A};2026;7.25;;;\n"
    values, errors = parse_import(text)
    assert errors.items == []
    assert [v.value for v in values] == [1234.5, 1000.0, 7.25]


def test_semicolon_file_keeps_commas_inside_text_cells():
    text = f"{HEADER_SEMI}\n{A};2024;3;;Mairie, service emploi;un, deux\n"
    values, errors = parse_import(text)
    assert errors.items == []
    assert (values[0].source, values[0].comment) == ("Mairie, service emploi", "un, deux")


def test_decimal_comma_in_a_comma_separated_file_is_an_error():
    # Quoted, the cell is one value "1,5" that a comma-separated file cannot hold.
    values, errors = parse_import(f'{HEADER}\n{A},2024,"1,5",,,\n')
    assert values == []
    assert fields_of(errors) == [(2, "value")]
    assert "1,5" in errors.items[0]["msg"]


def test_unquoted_decimal_comma_in_a_comma_separated_file_shifts_cells():
    values, errors = parse_import(f"{HEADER}\n{A},2024,1,5,final,,\n")
    assert values == []
    assert lines_of(errors) == [2]
    assert errors.items[0]["code"] == "cell_count"


def test_a_utf8_bom_is_ignored():
    for header in (HEADER, HEADER_SEMI):
        separator = header[len("indicator_id")]
        text = "\ufeff" + header + "\n" + separator.join([A, "2024", "4", "", "", ""]) + "\n"
        values, errors = parse_import(text)
        assert errors.items == [], header
        assert [v.value for v in values] == [4.0]


def test_header_names_are_case_and_space_insensitive():
    values, errors = parse_import(f" Indicator_ID , PERIOD ,Value\n{A},2024,1\n")
    assert errors.items == []
    assert values[0].value == 1.0
    assert values[0].status == "final"


def test_optional_columns_may_be_left_out_and_reordered():
    values, errors = parse_import(f"value,comment,period,indicator_id\n9,ok,2024-Q3,{A}\n")
    assert errors.items == []
    assert (values[0].value, values[0].comment, values[0].period_start) == (9.0, "ok", date(2024, 7, 1))


def test_quoted_cells_may_hold_separators_quotes_and_newlines():
    text = (
        f"{HEADER}\n"
        f'{A},2024-01,1,final,"Enquête, vague 2","Ligne un\nLigne deux; ""cité"""\n'
        f"{A},2024-02,2,final,,\n"
    )
    values, errors = parse_import(text)
    assert errors.items == []
    assert values[0].source == "Enquête, vague 2"
    assert values[0].comment == 'Ligne un\nLigne deux; "cité"'
    assert values[1].value == 2.0


def test_line_numbers_stay_right_after_a_quoted_multiline_cell():
    text = (
        f"{HEADER}\n"  # 1
        f'{A},2024-01,1,final,,"un\ndeux\ntrois"\n'  # 2 to 4
        f"{A},2024-02,oops,final,,\n"  # 5
        f"\n"  # 6
        f"{A},2024-13,3,final,,\n"  # 7
    )
    values, errors = parse_import(text)
    assert fields_of(errors) == [(5, "value"), (7, "period")]
    assert [v.position for v in values] == [2]


def test_a_bad_multiline_record_is_reported_on_its_first_line():
    text = f'{HEADER}\n{A},2024-01,1,final,,ok\n{A},2024-02,bad,final,,"un\ndeux"\n{A},2024-03,x,final,,\n'
    values, errors = parse_import(text)
    assert fields_of(errors) == [(3, "value"), (5, "value")]
    assert [v.position for v in values] == [2]


def test_blank_lines_are_skipped_and_still_counted():
    text = f"{HEADER}\n\n{A},2024,1,,,\n   \n,,,,,\n;;\n{A},2025,nope,,,\n\n"
    values, errors = parse_import(text)
    assert [v.position for v in values] == [3]
    # ";;" is one cell in a comma-separated file: not blank, so it is reported.
    assert fields_of(errors) == [(6, None), (7, "value")]


def test_every_bad_cell_of_a_line_is_reported():
    long_source = "s" * 501
    text = f"{HEADER}\nnot-a-uuid,2024-Q5,abc,draft,{long_source},\n"
    values, errors = parse_import(text)
    assert values == []
    assert fields_of(errors) == [
        (2, "indicator_id"),
        (2, "period"),
        (2, "value"),
        (2, "status"),
        (2, "source"),
    ]
    assert all(item["loc"][:2] == ["line", 2] for item in errors.items)
    assert "2024-Q2" in errors.items[1]["msg"]  # the accepted forms are listed


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-Infinity", "Infinity", "", " ", "1e999", "0x10"])
def test_values_must_be_finite_numbers(value):
    values, errors = parse_import(f"{HEADER}\n{A},2024,{value},,,\n")
    assert values == []
    assert fields_of(errors) == [(2, "value")]


def test_comment_length_is_limited():
    ok, errors = parse_import(f"{HEADER}\n{A},2024,1,,,{'c' * 2000}\n")
    assert errors.items == [] and len(ok) == 1
    _, errors = parse_import(f"{HEADER}\n{A},2024,1,,,{'c' * 2001}\n")
    assert fields_of(errors) == [(2, "comment")]


def test_wrong_cell_count_is_reported():
    values, errors = parse_import(f"{HEADER}\n{A},2024,1\n{A},2024,1,,,,extra\n")
    assert values == []
    assert lines_of(errors) == [2, 3]
    assert {item["code"] for item in errors.items} == {"cell_count"}


@pytest.mark.parametrize(
    "header",
    [
        "indicator,period,value",  # unknown column name, indicator_id missing
        "indicator_id,period",  # value missing
        "indicator_id,period,value,value",  # duplicate
        "indicator_id,period,value,unit",  # unknown
        f"{A},2024,1",  # no header at all
    ],
)
def test_a_bad_header_stops_the_parse(header):
    values, errors = parse_import(f"{header}\n{A},2024,1\n")
    assert values == []
    assert len(errors.items) == 1
    assert errors.items[0]["line"] == 1
    assert errors.items[0]["code"] == "bad_header"
    assert HEADER in errors.items[0]["msg"]


@pytest.mark.parametrize("text", ["", "\ufeff"])
def test_an_empty_file_is_reported(text):
    values, errors = parse_import(text)
    assert values == []
    assert lines_of(errors) == [1]
    assert errors.items[0]["code"] == "empty"


def test_a_header_alone_imports_nothing_without_error():
    values, errors = parse_import(HEADER + "\n")
    assert (values, errors.items) == ([], [])


# --- output ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://x","clic")', '\'=HYPERLINK("http://x","clic")'),
        ("+33 1 23", "'+33 1 23"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("-12", "'-12"),  # text that looks like a number is still text
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_safe_cell_escapes_text_that_a_spreadsheet_would_run(text, expected):
    assert safe_cell(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(-1.5, "-1.5"), (-3, "-3"), (0.1, "0.1"), (12.0, "12.0"), (42, "42"), (-0.0, "-0.0"), (1e-7, "1e-07")],
)
def test_safe_cell_leaves_numbers_alone(value, expected):
    assert safe_cell(value) == expected
    assert float(safe_cell(value)) == value


def test_safe_cell_of_other_types():
    assert safe_cell(None) == ""
    assert safe_cell(True) == "true"
    assert safe_cell(False) == "false"
    assert safe_cell(date(2024, 2, 29)) == "2024-02-29"
    assert safe_cell(datetime(2024, 5, 1, 12, 30)) == "2024-05-01T12:30:00"
    identifier = uuid.UUID(A)
    assert safe_cell(identifier) == A


def test_write_csv_escapes_formulas_and_keeps_numbers():
    rows = [
        {"value": -2.5, "source": "@SUM(A1)", "comment": '=HYPERLINK("http://evil","x")'},
        {"value": 3.0, "source": None, "comment": "fine, with a comma"},
    ]
    text = "".join(write_csv(["value", "source", "comment"], rows))
    assert text.startswith("value,source,comment\r\n")
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed == [
        ["value", "source", "comment"],
        ["-2.5", "'@SUM(A1)", '\'=HYPERLINK("http://evil","x")'],
        ["3.0", "", "fine, with a comma"],
    ]


def test_write_csv_ignores_keys_that_are_not_columns_and_fills_missing_ones():
    text = "".join(write_csv(["a", "b"], [{"a": 1, "z": "=1"}]))
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ["1", ""]]


def test_write_csv_streams_in_chunks_and_loses_no_row():
    rows = [{"n": index, "t": f"-{index}"} for index in range(2500)]
    chunks = list(write_csv(["n", "t"], iter(rows)))
    assert len(chunks) == 3  # every 1000 rows, then the rest
    parsed = list(csv.reader(io.StringIO("".join(chunks))))
    assert parsed[0] == ["n", "t"]
    assert parsed[1:] == [[str(index), f"'-{index}"] for index in range(2500)]


def test_write_csv_of_no_rows_is_the_header():
    assert "".join(write_csv(["a", "b"], [])) == "a,b\r\n"


def test_exported_values_survive_a_round_trip_through_import():
    rows = [{"indicator_id": A, "period": "2024-Q2", "value": -7.5, "status": "final", "source": "-x"}]
    text = "".join(write_csv(IMPORT_COLUMNS, rows))
    values, errors = parse_import(text)
    assert errors.items == []
    assert values[0].value == -7.5
    assert values[0].source == "'-x"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1\u00a0234,5", 1234.5),  # no-break space: LibreOffice, older Excel
        ("1\u202f234,5", 1234.5),  # narrow no-break space: Excel and macOS in French since 2020
        ("1 234,5", 1234.5),
        ("-12\u202f345\u202f678,25", -12345678.25),
        ("+999\u00a0000", 999000.0),
        ("1\u202f000", 1000.0),
        ("\u202f1\u202f000,5\u00a0", 1000.5),  # spaces around the number are not grouping
    ],
)
def test_a_decimal_comma_file_reads_thousands_separated_by_spaces(cell, expected):
    values, errors = parse_import(f"{HEADER_SEMI}\n{A};2024;{cell};;;\n")
    assert errors.items == []
    assert values[0].value == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("1\u202f234.5", 1234.5), ("1\u00a0234", 1234.0), ("12 345 678.125", 12345678.125)],
)
def test_a_decimal_point_file_reads_thousands_separated_by_spaces_too(cell, expected):
    values, errors = parse_import(f"{HEADER}\n{A},2024,{cell},,,\n")
    assert errors.items == []
    assert values[0].value == expected


@pytest.mark.parametrize(
    "cell",
    [
        "12\u202f34,5",  # a group of two
        "1\u202f2345",  # a group of four
        "1234\u202f567",  # four digits before the first separator
        "1\u202f\u202f234",  # two separators in a row
        "1\u202f234,56\u202f7",  # grouping after the decimal comma
        "1\u202f234,",  # a decimal comma without decimals
        "1\u202f234e3",  # an exponent with grouping
        "1 2 3",
        "1.234,5",  # a point between thousands: ambiguous with a decimal point, refused
    ],
)
def test_an_invalid_grouping_is_an_error_on_its_line_and_column(cell):
    text = f"{HEADER_SEMI}\n{A};2024;1;;;\n{A};2025;{cell};;;\n"
    values, errors = parse_import(text)
    assert [value.position for value in values] == [2]
    assert fields_of(errors) == [(3, "value")]
    assert errors.items[0]["loc"] == ["line", 3, "value"]
    assert repr(cell) in errors.items[0]["msg"]  # invisible spaces shown as \u escapes
    if cell != "1.234,5":
        assert "grouped by three" in errors.items[0]["msg"]
