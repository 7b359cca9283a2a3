"""`import costs` and `import outcomes`: reported monthly figures from CSV, all or nothing.

    read_costs(stream) / read_outcomes(stream)       -> CsvFile   (file problems, rows)
    plan_costs_import(session, file)                 -> FiguresPlan (create/update/unchanged/bad)
    plan_outcomes_import(session, file)              -> FiguresPlan
    apply_figures_import(session, plan, actor=...)   -> ImportResult (the caller's transaction)

Like `import inventory` (workflows/inventory/imports.py): a dry run is a plan never applied, a file
with any bad row imports nothing (`ImportRejected`) unless `skip_bad`, and importing the
same file twice changes nothing (figures are keyed by initiative, category and month).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal, TextIO

from sqlmodel import Session, col, select

from storage.models import CATEGORIES, CostRecord, Initiative, OutcomeRecord
from workflows.core import settings as ws
from workflows.core.errors import Problem
from workflows.core.money import MoneyError, parse_amount, to_micros
from workflows.core.periods import PeriodError, parse_month
from workflows.figures.costs import Figure, record_outcomes, record_reported, reported_key
from workflows.inventory.fields import name_key
from workflows.inventory.imports import (
    ROW,
    Action,
    BadRow,
    ImportRejected,
    ImportResult,
    InventoryFile,
    Row,
    read_table,
)
from workflows.inventory.inventory import suggest

SOURCE = "import"
COST_COLUMNS = ("initiative", "month", "category", "amount", "note")
COST_REQUIRED = ("initiative", "month", "category", "amount")
OUTCOME_COLUMNS = ("initiative", "month", "outcomes", "value")
OUTCOME_REQUIRED = ("initiative", "month", "outcomes")
NOTE_MAX = 500
# ASCII digits only, optionally grouped by thousands: never NaN, 1_000 or ١٢٣.
_WHOLE = re.compile(r"^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,15})$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

CsvFile = InventoryFile
Progress = Callable[[int], None]
Kind = Literal["costs", "outcomes"]


def read_costs(stream: TextIO) -> CsvFile:
    """A costs CSV: `initiative*, month*, category*, amount*, note`."""
    text = ("initiative", "month", "category", "note")
    return read_table(stream, columns=COST_COLUMNS, required=COST_REQUIRED, text_columns=text)


def read_outcomes(stream: TextIO) -> CsvFile:
    """An outcomes CSV: `initiative*, month*, outcomes*, value`."""
    text = ("initiative", "month")
    return read_table(stream, columns=OUTCOME_COLUMNS, required=OUTCOME_REQUIRED, text_columns=text)


@dataclass
class FigureRow:
    """One good row: a cost figure (category, amount) or outcomes (count, value)."""

    line: int
    initiative_id: int
    initiative: str
    month: date
    action: Action
    category: str | None = ""
    amount: Decimal = Decimal(0)
    note: str = ""
    outcomes: int = 0
    value: Decimal | None = None


@dataclass
class FiguresPlan:
    kind: Kind
    rows_read: int
    columns: tuple[str, ...]
    file_problems: list[Problem] = field(default_factory=list)
    rows: list[FigureRow] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        """Whether applying without `skip_bad` would import nothing."""
        return bool(self.file_problems or self.bad)

    def count(self, action: Action) -> int:
        return sum(1 for row in self.rows if row.action == action)

    def totals(self) -> dict[str, Decimal]:
        """Per initiative name: the amount (costs) or outcomes (outcomes) of the good rows."""
        result: dict[str, Decimal] = {}
        for row in self.rows:
            value = row.amount if self.kind == "costs" else Decimal(row.outcomes)
            result[row.initiative] = result.get(row.initiative, Decimal(0)) + value
        return dict(sorted(result.items(), key=lambda item: name_key(item[0])))


class Initiatives:
    """Initiatives by `#id` or case-insensitive name, with "did you mean" for the rest."""

    def __init__(self, session: Session) -> None:
        rows = session.exec(select(Initiative.id, Initiative.name, Initiative.name_key)).all()
        self.by_id = {int(i): name for i, name, _key in rows}
        self.by_key = {key: (int(i), name) for i, name, key in rows}

    def resolve(self, text: str) -> tuple[int, str] | None:
        value = text.strip()
        if value.startswith("#") and value[1:].isascii() and value[1:].isdigit():
            found = self.by_id.get(int(value[1:]))
            return None if found is None else (int(value[1:]), found)
        return self.by_key.get(name_key(value))

    def unknown(self, text: str) -> Problem:
        params = {"value": text.strip(), "suggestions": suggest(self.by_id.values(), text)}
        return Problem("unknown_initiative", params)


def _initiative(row: Row, known: Initiatives, problems: dict[str, Problem]) -> tuple[int, str]:
    text = row.cells.get("initiative", "").strip()
    if not text:
        problems["initiative"] = Problem("required")
        return 0, ""
    found = known.resolve(text)
    if found is None:
        problems["initiative"] = known.unknown(text)
        return 0, text
    return found


def _month(row: Row, problems: dict[str, Problem]) -> date | None:
    text = row.cells.get("month", "").strip()
    if not text:
        problems["month"] = Problem("required")
        return None
    try:
        return parse_month(text).start
    except PeriodError:
        problems["month"] = Problem("bad_month", {"value": text})
        return None


def _money(
    row: Row, column: str, problems: dict[str, Problem], *, required: bool, currency: str
) -> Decimal | None:
    text = row.cells.get(column, "").strip()
    if not text:
        if required:
            problems[column] = Problem("required")
        return None
    try:
        return parse_amount(text, currency=currency)
    except MoneyError as exc:
        problems[column] = Problem(f"money_{exc.reason}", {"value": text})
        return None


def _row_problems(row: Row) -> dict[str, Problem]:
    problems: dict[str, Problem] = {}
    if row.extra_cells:
        problems[ROW] = Problem("extra_cells", {"count": row.extra_cells})
    return problems


def _finish(plan: FiguresPlan, parsed: list[tuple[Row, dict[str, Problem], FigureRow]]) -> None:
    """Mark rows naming the same figure as another row (each points at the other), then
    sort the rest into good and bad."""
    lines: dict[tuple[object, ...], list[int]] = {}
    for row, _problems, figure in parsed:
        if figure.initiative_id and figure.month != date.min and figure.category is not None:
            lines.setdefault(_identity(plan.kind, figure), []).append(row.line)
    for row, problems, figure in parsed:
        others = [n for n in lines.get(_identity(plan.kind, figure), []) if n != row.line]
        if others and ROW not in problems:
            label = " ".join(str(part) for part in _identity(plan.kind, figure)[1:])
            problems[ROW] = Problem("duplicate_in_file", {"value": label, "line": others[0]})
        if problems:
            plan.bad.append(BadRow(line=row.line, name=figure.initiative, problems=problems))
        else:
            plan.rows.append(figure)


def _identity(kind: Kind, figure: FigureRow) -> tuple[object, ...]:
    month = figure.month.strftime("%Y-%m")
    if kind == "costs":
        return (figure.initiative_id, figure.initiative, month, figure.category)
    return (figure.initiative_id, figure.initiative, month)


# --- costs ---------------------------------------------------------------------------


def plan_costs_import(
    session: Session, file: CsvFile, *, progress: Progress | None = None
) -> FiguresPlan:
    """Validate every row and decide create / update / unchanged; writes nothing."""
    return _plan(session, file, "costs", _cost_row, _cost_actions, progress)


def _plan(
    session: Session,
    file: CsvFile,
    kind: Kind,
    read: Callable[[Row, dict[str, Problem], Initiatives, str], FigureRow],
    actions: Callable[[Session, list[FigureRow]], None],
    progress: Progress | None,
) -> FiguresPlan:
    """Read each row with `read` (which notes its problems), then decide what changes."""
    plan = FiguresPlan(kind, len(file.rows), file.columns, list(file.problems))
    if plan.file_problems:
        return plan
    known = Initiatives(session)
    currency = ws.get(session, "currency")
    parsed = []
    for row in file.rows:
        problems = _row_problems(row)
        parsed.append((row, problems, read(row, problems, known, currency)))
        if progress is not None:
            progress(1)
    _finish(plan, parsed)
    actions(session, plan.rows)
    return plan


def _cost_row(
    row: Row, problems: dict[str, Problem], known: Initiatives, currency: str
) -> FigureRow:
    initiative_id, name = _initiative(row, known, problems)
    month = _month(row, problems)
    category = row.cells.get("category", "").strip().lower()
    if not category:
        problems["category"] = Problem("required")
    elif category not in CATEGORIES:
        params = {"value": row.cells["category"].strip(), "allowed": CATEGORIES}
        problems["category"] = Problem("bad_choice", params)
    amount = _money(row, "amount", problems, required=True, currency=currency)
    note = row.cells.get("note", "").strip()
    if _CONTROL.search(note):
        problems["note"] = Problem("control_characters")
    elif len(note) > NOTE_MAX:
        problems["note"] = Problem("too_long", {"max": NOTE_MAX})
    return FigureRow(
        row.line,
        initiative_id,
        name,
        month or date.min,
        "create",
        category if "category" not in problems else None,
        amount or Decimal(0),
        note,
    )


def _cost_actions(session: Session, rows: list[FigureRow]) -> None:
    keys = {reported_key(r.initiative_id, str(r.category), "month", r.month): r for r in rows}
    for chunk in _chunks(list(keys), 500):
        query = select(CostRecord).where(col(CostRecord.source_key).in_(chunk))
        for record in session.exec(query):
            row = keys[record.source_key]
            same = record.amount_micros == to_micros(row.amount) and record.source == SOURCE
            row.action = "unchanged" if same else "update"


# --- outcomes ------------------------------------------------------------------------


def plan_outcomes_import(
    session: Session, file: CsvFile, *, progress: Progress | None = None
) -> FiguresPlan:
    """Validate every row and decide create / update / unchanged; writes nothing."""
    return _plan(session, file, "outcomes", _outcome_row, _outcome_actions, progress)


def _outcome_row(
    row: Row, problems: dict[str, Problem], known: Initiatives, currency: str
) -> FigureRow:
    initiative_id, name = _initiative(row, known, problems)
    month = _month(row, problems)
    count = _whole(row, "outcomes", problems)
    value = _money(row, "value", problems, required=False, currency=currency)
    return FigureRow(
        row.line,
        initiative_id,
        name,
        month or date.min,
        "create",
        outcomes=count or 0,
        value=value,
    )


def _whole(row: Row, column: str, problems: dict[str, Problem]) -> int | None:
    text = row.cells.get(column, "").strip()
    if not text:
        problems[column] = Problem("required")
        return None
    if not text.isascii() or not _WHOLE.match(text):
        problems[column] = Problem("bad_count", {"value": text})
        return None
    return int(text.replace(",", ""))


def _outcome_actions(session: Session, rows: list[FigureRow]) -> None:
    by_initiative: dict[int, list[FigureRow]] = {}
    for row in rows:
        by_initiative.setdefault(row.initiative_id, []).append(row)
    for initiative_id, items in by_initiative.items():
        query = select(OutcomeRecord).where(
            OutcomeRecord.initiative_id == initiative_id,
            OutcomeRecord.period_kind == "month",
            col(OutcomeRecord.period_start).in_([r.month for r in items]),
        )
        stored = {r.period_start: r for r in session.exec(query)}
        for row in items:
            record = stored.get(row.month)
            if record is None:
                continue
            value = None if row.value is None else to_micros(row.value)
            same = (record.outcomes, record.value_micros) == (row.outcomes, value)
            row.action = "unchanged" if same else "update"


# --- applying ------------------------------------------------------------------------


def apply_figures_import(
    session: Session, plan: FiguresPlan, *, actor: str, skip_bad: bool = False, origin: str = ""
) -> ImportResult:
    """Apply a plan in the caller's transaction; raises `ImportRejected` writing nothing."""
    if plan.file_problems or (plan.bad and not skip_bad):
        raise ImportRejected(file_problems=plan.file_problems, bad_rows=plan.bad)
    result = ImportResult(rows_read=plan.rows_read, skipped=len(plan.bad), bad=list(plan.bad))
    todo = [row for row in plan.rows if row.action != "unchanged"]
    if plan.kind == "costs":
        # record_reported takes one note per call: one call per distinct note.
        by_note: dict[str, list[FigureRow]] = {}
        for row in todo:
            by_note.setdefault(row.note, []).append(row)
        for note, rows in by_note.items():
            figures = [
                Figure(r.initiative_id, str(r.category), "month", r.month, r.amount) for r in rows
            ]
            record_reported(session, figures, source=SOURCE, actor=actor, origin=origin, note=note)
    else:
        for row in todo:
            record_outcomes(
                session,
                initiative_id=row.initiative_id,
                kind="month",
                start=row.month,
                outcomes=row.outcomes,
                value=row.value,
                source=SOURCE,
                actor=actor,
                origin=origin,
            )
    result.created = plan.count("create")
    result.updated = plan.count("update")
    result.unchanged = plan.count("unchanged")
    session.flush()
    return result


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
