"""Everything out again: the inventory as CSV (spreadsheet-safe) or JSON; the figures
that count as CSV (re-imports as a costs file), JSON or FOCUS.

The CSV columns are the import's columns, so an exported file re-imports as "unchanged".
Spreadsheets run a cell starting with `=`, `+`, `-`, `@`, tab or carriage return as a
formula (OWASP "CSV injection"): text cells get a leading `'`, which `unescape_cell`
removes again when the importer reads its own export. Numeric columns stay numeric.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from typing import Any, Literal, TextIO

from sqlmodel import Session, col, select

from storage.models import Initiative, MonthlyCost
from workflows.core import settings
from workflows.core.money import from_micros
from workflows.core.periods import FiscalCalendar
from workflows.inventory.fields import COLUMNS, to_raw
from workflows.inventory.inventory import delegates_by_initiative

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


# --- costs -----------------------------------------------------------------------------

CostFormat = Literal["csv", "json", "focus"]
COST_COLUMNS = ("initiative", "month", "category", "amount", "note")
FOCUS_COLUMNS = (
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "BillingCurrency",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ProviderName",
    "PublisherName",
    "InvoiceIssuerName",
    "ServiceName",
    "ServiceCategory",
    "PricingQuantity",
    "PricingUnit",
    "x_CostCategory",
    "x_Initiative",
    "x_Department",
    "x_Source",
)
_FOCUS_MONEY = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost")


def export_costs(session: Session, *, format: CostFormat, stream: TextIO) -> int:
    """Write the figures that count (the monthly rollup) to `stream`; returns how many.

    csv re-imports as a costs file (`note` says the basis and sources); json adds `basis`
    and `sources`; focus writes FOCUS 1.0 columns plus `x_` columns. Text cells are
    formula-safe; amounts stay numbers.
    """
    if format not in ("csv", "json", "focus"):
        raise ValueError(f"unknown export format {format!r}")
    calendar = FiscalCalendar(settings.get(session, "fiscal_year_start_month"))
    currency = str(settings.get(session, "currency"))
    query = (
        select(MonthlyCost, Initiative)
        .join(Initiative, col(Initiative.id) == MonthlyCost.initiative_id)
        .order_by(Initiative.name_key, MonthlyCost.month, MonthlyCost.category)
    )
    figures = [(cost, initiative) for cost, initiative in session.exec(query)]
    rows = [_cost_row(cost, initiative, calendar) for cost, initiative in figures]
    if format == "json":
        json.dump(rows, stream, ensure_ascii=False, indent=2)
        stream.write("\n")
        return len(rows)
    writer = csv.writer(stream, lineterminator="\r\n")
    if format == "csv":
        writer.writerow(COST_COLUMNS)
        for row in rows:
            writer.writerow(
                [row[c] if c == "amount" else safe_cell(str(row[c])) for c in COST_COLUMNS]
            )
    else:
        writer.writerow(FOCUS_COLUMNS)
        for row, (cost, initiative) in zip(rows, figures, strict=True):
            focus = _focus_row(row, cost.month, initiative, currency)
            writer.writerow(
                [focus[c] if c in _FOCUS_MONEY else safe_cell(focus[c]) for c in FOCUS_COLUMNS]
            )
    return len(rows)


def _cost_row(
    cost: MonthlyCost, initiative: Initiative, calendar: FiscalCalendar
) -> dict[str, Any]:
    sources = [s for s in cost.sources.split(",") if s]
    if cost.basis == "billing":
        note = "billing"
    elif cost.basis == "prorated":
        note = f"prorated from {calendar.quarter_of(cost.month).label} ({', '.join(sources)})"
    else:
        note = f"reported ({', '.join(sources)})"
    return {
        "initiative": initiative.name,
        "month": cost.month.strftime("%Y-%m"),
        "category": cost.category,
        "amount": format(from_micros(cost.amount_micros).normalize(), "f"),
        "note": note,
        "basis": cost.basis,
        "sources": sources,
    }


def _focus_row(
    row: dict[str, Any], start: date, initiative: Initiative, currency: str
) -> dict[str, str]:
    end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    bounds = (f"{start:%Y-%m-%d} 00:00:00", f"{end:%Y-%m-%d} 00:00:00")
    return {
        **dict.fromkeys(_FOCUS_MONEY, row["amount"]),
        "BillingCurrency": currency,
        "BillingPeriodStart": bounds[0],
        "BillingPeriodEnd": bounds[1],
        "ChargePeriodStart": bounds[0],
        "ChargePeriodEnd": bounds[1],
        "ChargeCategory": "Usage",
        "ChargeClass": "",
        "ChargeDescription": f"{row['category']} for {initiative.name}, {row['note']}",
        "ProviderName": initiative.provider,
        "PublisherName": initiative.provider,
        "InvoiceIssuerName": initiative.provider,
        "ServiceName": initiative.name,
        "ServiceCategory": "AI and Machine Learning",
        "PricingQuantity": "",
        "PricingUnit": "",
        "x_CostCategory": row["category"],
        "x_Initiative": initiative.name,
        "x_Department": initiative.department,
        "x_Source": ",".join(row["sources"]),
    }
