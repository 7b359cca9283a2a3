"""`import focus`: billing lines from a FinOps FOCUS cost export.

    read_focus(stream)                               -> FocusReader (streams FocusRows)
    plan_focus_import(session, stream, currency=...) -> FocusPlan   (mapped lines, bad rows,
                                                                     unmapped summary)
    apply_focus_import(session, plan, actor=...)     -> FocusResult (the caller's transaction)

The file is streamed: only the rows that map to an initiative are kept (as BillingLines).
A row maps through (1) the tag `tag_key` (default `aigov-initiative`) whose value names an
initiative (name or `#id`), as `inference`; else (2) the first FocusRule, in id order, that
matches: tag key and value, ServiceName, SubAccountName, or a ResourceId prefix; the
rule's category applies (workflows/figures/focus_rules.py manages the rules). Rows that map to
nothing are counted and summarised.

A row's identity (BillingLine.key) is a hash of its non-empty cells by column name, plus
`#n` for the n-th identical row in one file: importing the file again, or a later export
that overlaps it, never counts a row twice.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TextIO

from sqlmodel import Session, col, select

from storage.models import CostRecord, FocusRule
from workflows.core.errors import Problem
from workflows.core.money import MICROS
from workflows.figures.cost_imports import Initiatives
from workflows.figures.costs import BillingLine, record_billing
from workflows.inventory.fields import name_key
from workflows.inventory.imports import ROW, BadRow, ImportRejected, header_row

DEFAULT_TAG_KEY = "aigov-initiative"
DEFAULT_COST_COLUMN = "BilledCost"
COST_COLUMNS = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost")
MATCH_KINDS = ("tag", "service", "subaccount", "resource_prefix")
MISSING = ("", "NULL")
TOP_UNMAPPED = 5
# Plain decimals in ASCII (FOCUS allows negative costs: credits); an exponent of at most
# two digits, so no amount can blow up into a huge integer.
_AMOUNT = re.compile(r"^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,2})?$")
_TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?$"
)
_LIMIT = Decimal(10) ** 12  # a billion-and-more units on one line is not a cost line
_COLUMN_OF = {
    "service": "ServiceName",
    "subaccount": "SubAccountName",
    "resource_prefix": "ResourceId",
}

Progress = Callable[[int], None]


@dataclass
class FocusPlan:
    currency: str
    cost_column: str
    rows_read: int = 0
    file_problems: list[Problem] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    lines: list[BillingLine] = field(default_factory=list)
    already: int = 0  # mapped lines the database holds already
    already_differ: int = 0  # ... of which with another amount (another cost column?)
    names: dict[int, str] = field(default_factory=dict)
    totals: dict[int, int] = field(default_factory=dict)  # micros per initiative id
    unmapped: int = 0
    unmapped_micros: int = 0
    unmapped_services: dict[str, int] = field(default_factory=dict)
    unknown_tags: dict[str, int] = field(default_factory=dict)  # tag value -> rows

    @property
    def rejected(self) -> bool:
        return bool(self.file_problems or self.bad)

    @property
    def new(self) -> int:
        return len(self.lines) - self.already

    def top_unmapped(self, n: int = TOP_UNMAPPED) -> list[tuple[str, int]]:
        """The services of unmapped rows with the largest cost, largest first."""
        costs = [(name, micros) for name, micros in self.unmapped_services.items() if micros]
        return sorted(costs, key=lambda item: (-item[1], item[0]))[:n]

    def totals_by_name(self) -> dict[str, int]:
        ranked = sorted(self.totals.items(), key=lambda item: name_key(self.names[item[0]]))
        return {self.names[i]: micros for i, micros in ranked}


@dataclass
class FocusResult:
    rows_read: int
    new: int
    already: int
    skipped: int
    bad: list[BadRow]


@dataclass(frozen=True)
class FocusRow:
    """One data record: its first physical line, its present cells by casefolded column
    name (`NULL` and empty cells left out), and how many cells lie beyond the header."""

    line: int
    cells: dict[str, str]
    extra_cells: int = 0

    def get(self, column: str) -> str | None:
        """The cell of a FOCUS column (any case), or None when it is absent or missing."""
        return self.cells.get(column.casefold())


class FocusReader:
    """A FOCUS export, row by row: nothing but the current row is held.

    Iterate it once; `problems` then holds the file-level problems (a missing required
    column, a duplicate column, not CSV, not UTF-8), and iteration stops at the first.
    csv.reader (not DictReader, which silently skips blank lines) keeps line numbers exact.
    """

    def __init__(
        self, stream: TextIO, *, required: tuple[str, ...], progress: Progress | None = None
    ) -> None:
        self._reader = csv.reader(_counted(stream, progress), strict=True)
        self.required = required
        self.columns: tuple[str, ...] = ()
        self.problems: list[Problem] = []
        self.rows_read = 0

    def __iter__(self) -> Iterator[FocusRow]:
        previous = 0
        try:
            header = header_row(self._reader)
            if header is None:
                self.problems.append(Problem("empty_file"))
                return
            names = self._header(header)
            if self.problems:
                return
            previous = self._reader.line_num
            for record in self._reader:
                line, previous = previous + 1, self._reader.line_num
                if not any(cell.strip() for cell in record):
                    continue
                self.rows_read += 1
                cells = {
                    name: value
                    for name, cell in zip(names, record, strict=False)
                    if name and (value := cell.strip()) not in MISSING
                }
                extra = sum(1 for cell in record[len(names) :] if cell.strip())
                yield FocusRow(line=line, cells=cells, extra_cells=extra)
        except UnicodeDecodeError:
            self.problems.append(Problem("not_utf8"))
        except csv.Error as exc:
            self.problems.append(Problem("not_csv", {"detail": f"line {previous + 1}: {exc}"}))

    def _header(self, header: list[str]) -> list[str]:
        self.columns = tuple(title.strip().lstrip("\ufeff").strip() for title in header)
        names = [title.casefold() for title in self.columns]
        seen: set[str] = set()
        for title, name in zip(self.columns, names, strict=True):
            if name and name in seen:
                self.problems.append(Problem("duplicate_column", {"column": title}))
            seen.add(name)
        for column in self.required:
            if column.casefold() not in seen:
                self.problems.append(Problem("missing_column", {"column": column}))
        return names


def read_focus(
    stream: TextIO,
    *,
    cost_column: str = DEFAULT_COST_COLUMN,
    progress: Progress | None = None,
) -> FocusReader:
    """A streaming reader of a FOCUS export that needs `cost_column`, BillingCurrency and
    ChargePeriodStart. `progress(n)` is called with the characters of each physical line
    read, for a progress bar over the file's size."""
    required = (cost_column, "BillingCurrency", "ChargePeriodStart")
    return FocusReader(stream, required=required, progress=progress)


# --- mapping ---------------------------------------------------------------------------


def plan_focus_import(
    session: Session,
    stream: TextIO,
    *,
    currency: str,
    cost_column: str = DEFAULT_COST_COLUMN,
    tag_key: str = DEFAULT_TAG_KEY,
    origin: str = "",
    progress: Progress | None = None,
) -> FocusPlan:
    """Read a FOCUS export and map its rows; writes nothing. `origin` (the file name) is
    kept with each line; `progress` as for `read_focus`."""
    plan = FocusPlan(currency=currency.upper(), cost_column=cost_column)
    reader = read_focus(stream, cost_column=cost_column, progress=progress)
    mapper = _Mapper(session, tag_key=tag_key)
    occurrences: dict[str, int] = {}
    for row in reader:
        _plan_row(plan, mapper, row, occurrences, origin)
    plan.rows_read = reader.rows_read
    plan.file_problems = list(reader.problems)
    if plan.file_problems:
        plan.lines.clear()
        return plan
    plan.names = {i: mapper.known.by_id[i] for i in plan.totals}
    plan.already, plan.already_differ = _already(session, plan.lines)
    return plan


def _counted(stream: TextIO, progress: Progress | None) -> Iterator[str]:
    for text in stream:
        if progress is not None:
            progress(len(text))
        yield text


def _plan_row(
    plan: FocusPlan,
    mapper: _Mapper,
    row: FocusRow,
    occurrences: dict[str, int],
    origin: str,
) -> None:
    problems: dict[str, Problem] = {}
    if row.extra_cells:
        problems[ROW] = Problem("extra_cells", {"count": row.extra_cells})
    found = row.get("BillingCurrency")
    if found is None:
        problems["BillingCurrency"] = Problem("required")
    elif found.upper() != plan.currency:
        params = {"found": found, "expected": plan.currency}
        problems["BillingCurrency"] = Problem("currency_mismatch", params)
    month = _month(row.get("ChargePeriodStart"), problems)
    micros = _amount(row.get(plan.cost_column), plan.cost_column, problems)
    tags = _tags(row.get("Tags"), problems)
    if problems or month is None or micros is None:
        plan.bad.append(BadRow(line=row.line, name="", problems=problems))
        return
    target = mapper.map(row, tags, plan.unknown_tags)
    if target is None:
        service = row.get("ServiceName") or ""
        plan.unmapped += 1
        plan.unmapped_micros += micros
        plan.unmapped_services[service] = plan.unmapped_services.get(service, 0) + micros
        return
    initiative_id, category = target
    key = _identity(row)
    occurrences[key] = occurrences.get(key, 0) + 1
    if occurrences[key] > 1:
        key = f"{key}#{occurrences[key]}"
    line = BillingLine(key, initiative_id, category, month, micros, f"{origin}:{row.line}"[-300:])
    plan.lines.append(line)
    plan.totals[initiative_id] = plan.totals.get(initiative_id, 0) + micros


def _month(text: str | None, problems: dict[str, Problem]) -> date | None:
    """The UTC month of a FOCUS timestamp (no zone means UTC, as FOCUS says)."""
    if text is None:
        problems["ChargePeriodStart"] = Problem("required")
        return None
    try:
        if not _TIMESTAMP.match(text):
            raise ValueError(text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        problems["ChargePeriodStart"] = Problem("bad_timestamp", {"value": text})
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return date(moment.year, moment.month, 1)


def _amount(text: str | None, column: str, problems: dict[str, Problem]) -> int | None:
    """Micro-units, rounded half-even per row (FOCUS amounts carry many decimals)."""
    if text is None:
        problems[column] = Problem("required")
        return None
    if not _AMOUNT.match(text):
        problems[column] = Problem("money_not_a_number", {"value": text})
        return None
    amount = Decimal(text)
    if abs(amount) >= _LIMIT:
        problems[column] = Problem("money_too_large", {"value": text})
        return None
    return int((amount * MICROS).to_integral_value(ROUND_HALF_EVEN))


def _tags(text: str | None, problems: dict[str, Problem]) -> dict[str, str]:
    """Tags as {casefolded stripped key: value}: `" org"` and `Org` are both `org`."""
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        problems["Tags"] = Problem("bad_tags", {"value": text[:80]})
        return {}
    tags: dict[str, str] = {}
    for key, item in value.items():
        if item is None or isinstance(item, dict | list):
            continue
        tags.setdefault(str(key).strip().casefold(), str(item).strip())
    return tags


def _identity(row: FocusRow) -> str:
    """sha256 over the row's present cells as (column, value), by column name: a later
    export that reorders the columns or adds an empty one still names the same row."""
    payload = json.dumps(sorted(row.cells.items()), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


class _Mapper:
    """Row -> (initiative id, category): the tag first, then the rules in id order."""

    def __init__(self, session: Session, *, tag_key: str) -> None:
        self.known = Initiatives(session)
        self.tag_key = tag_key.strip().casefold()
        self.rules = list(session.exec(select(FocusRule).order_by(col(FocusRule.id))))

    def map(
        self, row: FocusRow, tags: dict[str, str], unknown_tags: dict[str, int]
    ) -> tuple[int, str] | None:
        value = tags.get(self.tag_key)
        if value:
            found = self.known.resolve(value)
            if found is not None:
                return found[0], "inference"
            unknown_tags[value] = unknown_tags.get(value, 0) + 1
        for rule in self.rules:
            if _matches(rule, row, tags):
                return rule.initiative_id, rule.category
        return None


def _matches(rule: FocusRule, row: FocusRow, tags: dict[str, str]) -> bool:
    if rule.match == "tag":
        tagged = tags.get(rule.key.strip().casefold())
        return tagged is not None and tagged.casefold() == rule.value.strip().casefold()
    cell = row.get(_COLUMN_OF[rule.match])
    if cell is None:
        return False
    if rule.match == "resource_prefix":
        return cell.startswith(rule.value)
    return cell == rule.value


def _already(session: Session, lines: list[BillingLine]) -> tuple[int, int]:
    """How many lines the database holds already, and how many of those with another
    amount (imported before from another cost column): those stay as they were."""
    found = differ = 0
    for i in range(0, len(lines), 500):
        amounts = {f"billing:{line.key}": line.amount_micros for line in lines[i : i + 500]}
        query = select(CostRecord.source_key, CostRecord.amount_micros).where(
            col(CostRecord.source_key).in_(list(amounts))
        )
        for key, micros in session.exec(query):
            found += 1
            differ += micros != amounts[key]
    return found, differ


# --- applying ------------------------------------------------------------------------


def apply_focus_import(
    session: Session,
    plan: FocusPlan,
    *,
    actor: str,
    skip_bad: bool = False,
    now: datetime | None = None,
) -> FocusResult:
    """Store the mapped lines not seen before; raises `ImportRejected` writing nothing."""
    if plan.file_problems or (plan.bad and not skip_bad):
        raise ImportRejected(file_problems=plan.file_problems, bad_rows=plan.bad)
    new = record_billing(session, plan.lines, actor=actor, now=now)
    return FocusResult(
        rows_read=plan.rows_read,
        new=new,
        already=len(plan.lines) - new,
        skipped=len(plan.bad),
        bad=list(plan.bad),
    )
