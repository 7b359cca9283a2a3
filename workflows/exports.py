"""Everything out again: the inventory as CSV (spreadsheet-safe) or JSON.

The CSV columns are the import's columns, so an exported file re-imports as "unchanged".
Spreadsheets run a cell starting with `=`, `+`, `-`, `@`, tab or carriage return as a
formula (OWASP "CSV injection"): text cells get a leading `'`, which `unescape_cell`
removes again when the importer reads its own export. Numeric columns stay numeric.
"""

from __future__ import annotations

import csv
import json
import re
from typing import Any, Literal, TextIO

from sqlmodel import Session, select

from storage.models import Initiative
from workflows.fields import COLUMNS, to_raw
from workflows.inventory import delegates_by_initiative

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Columns holding numbers: never prefixed (and never negative, so never a formula).
NUMERIC_COLUMNS = frozenset(
    {
        "budget_amount",
        "value_per_outcome",
        "baseline_cost_per_outcome",
        "target_cost_per_outcome",
        "min_monthly_outcomes",
    }
)
TEXT_COLUMNS = tuple(c for c in COLUMNS if c not in NUMERIC_COLUMNS)
_FORMULA_CLASS = "".join(re.escape(c) for c in FORMULA_START)
# One more `'` is added when the text already starts with quotes before a formula
# character, so `'=x` survives the round trip as `'=x` (exported as `''=x`).
_NEEDS_QUOTE = re.compile(rf"^'*[{_FORMULA_CLASS}]")
_QUOTED = re.compile(rf"^'+[{_FORMULA_CLASS}]")

ExportFormat = Literal["csv", "json"]


def safe_cell(value: str) -> str:
    """A text cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if _NEEDS_QUOTE.match(value) else value


def unescape_cell(value: str) -> str:
    """The inverse of `safe_cell`: drop the one `'` that precedes a formula character."""
    return value[1:] if _QUOTED.match(value) else value


def export_inventory(session: Session, *, format: ExportFormat, stream: TextIO) -> int:
    """Write every initiative to `stream`; returns how many were written."""
    initiatives = list(session.exec(select(Initiative).order_by(Initiative.name_key)))
    if format == "csv":
        _write_csv(initiatives, stream)
    elif format == "json":
        delegates = delegates_by_initiative(session, [i.id for i in initiatives if i.id])
        rows = [_json_row(i, sorted(delegates.get(i.id or 0, []))) for i in initiatives]
        json.dump(rows, stream, ensure_ascii=False, indent=2)
        stream.write("\n")
    else:
        raise ValueError(f"unknown export format {format!r}")
    return len(initiatives)


def _write_csv(initiatives: list[Initiative], stream: TextIO) -> None:
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for initiative in initiatives:
        raw = to_raw(initiative)
        writer.writerow([raw[c] if c in NUMERIC_COLUMNS else safe_cell(raw[c]) for c in COLUMNS])


def _json_row(initiative: Initiative, delegates: list[str]) -> dict[str, Any]:
    """Text as strings, money as exact decimal strings, counts as integers, empty as null."""
    raw = to_raw(initiative)
    row: dict[str, Any] = {}
    for column in COLUMNS:
        value = raw[column]
        if column == "min_monthly_outcomes":
            row[column] = int(value) if value else None
        elif column in NUMERIC_COLUMNS or column in ("launched_on", "budget_period"):
            row[column] = value or None
        else:
            row[column] = value
    row["delegates"] = delegates
    return row
