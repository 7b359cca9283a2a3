"""`import inventory`: read a CSV, plan every row, then apply it all or nothing.

    read_inventory(stream)                 -> InventoryFile  (file-level problems, rows)
    plan_inventory_import(session, file)   -> ImportPlan     (create/update/unchanged/bad)
    apply_inventory_import(session, plan)  -> ImportResult   (writes in the caller's transaction)

A dry run is a plan that is never applied. A file with any bad row imports nothing
(`ImportRejected`) unless `skip_bad`; importing the same file twice changes nothing.
Rows go through `workflows.inventory.fields.parse_fields`, like the register modal, so both accept
the same values and report the same problem codes.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

from sqlmodel import Session, select

from storage.models import Initiative, utcnow
from workflows.core import audit
from workflows.core import settings as ws
from workflows.core.errors import ImportRejected, Invalid, NotFound, Problem
from workflows.figures.exports import TEXT_COLUMNS, unescape_cell
from workflows.inventory.fields import COLUMNS, REQUIRED, UserResolver, name_key, parse_fields
from workflows.inventory.inventory import delegates_of, register

SOURCE = "import"
# Problems about the row as a whole (cells beyond the header) use this key.
ROW = ""
_AUDIT_EXCLUDE = ("created_at", "updated_at", "name_key")
_HEADER_SEPARATORS = re.compile(r"[\s-]+")

Action = Literal["create", "update", "unchanged"]
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Row:
    """One data record: its first physical line and its cells by column."""

    line: int
    cells: dict[str, str]
    extra_cells: int = 0


@dataclass
class InventoryFile:
    columns: tuple[str, ...] = ()
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def owner_values(self) -> list[str]:
        """The distinct owner cells, as `resolve_user` will be asked about them."""
        seen = {row.cells.get("owner", "").strip() for row in self.rows}
        return sorted(v for v in seen if v)


@dataclass(frozen=True)
class BadRow:
    line: int
    name: str
    problems: dict[str, Problem]


@dataclass
class RowPlan:
    line: int
    name: str
    action: Action
    cells: dict[str, str]
    values: dict[str, Any]
    initiative_id: int | None = None
    # model attribute -> (before, after), for updates
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class ImportPlan:
    actor: str
    rows_read: int
    columns: tuple[str, ...]
    file_problems: list[Problem] = field(default_factory=list)
    rows: list[RowPlan] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    owners: dict[str, str | None] = field(default_factory=dict)

    @property
    def rejected(self) -> bool:
        """Whether applying without `skip_bad` would import nothing."""
        return bool(self.file_problems or self.bad)

    def count(self, action: Action) -> int:
        return sum(1 for row in self.rows if row.action == action)


@dataclass
class ImportResult:
    rows_read: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    bad: list[BadRow] = field(default_factory=list)


# --- reading -------------------------------------------------------------------------


def read_inventory(stream: TextIO) -> InventoryFile:
    """Parse an inventory CSV; file-level problems (columns, not CSV) go in `problems`.

    Open files with `newline=""` (and ideally `encoding="utf-8-sig"`); a BOM is dropped
    either way. Rows that are entirely blank are ignored.
    """
    return read_table(stream, columns=COLUMNS, required=REQUIRED, text_columns=TEXT_COLUMNS)


def read_table(
    stream: TextIO,
    *,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    text_columns: tuple[str, ...] = (),
) -> InventoryFile:
    """Parse a CSV with a header naming some of `columns` (all of `required`).

    Header names are matched case-insensitively, with spaces and dashes read as `_`.
    Cells of `text_columns` are stripped and lose the `'` our exports put before
    formula-like text. File-level problems go in `problems`; blank rows are ignored.
    """
    result = InventoryFile()
    # strict: an unclosed quote is an error, not the rest of the file in one cell.
    reader = csv.reader(stream, strict=True)
    previous = 0
    try:
        header = header_row(reader)
        if header is None:
            result.problems.append(Problem("empty_file"))
            return result
        positions = _columns(header, result, columns=columns, required=required)
        used = set(positions.values())
        previous = reader.line_num
        for record in reader:
            line, previous = previous + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            cells = {
                column: _cell(record[pos] if pos < len(record) else "", text=column in text_columns)
                for column, pos in positions.items()
            }
            extra = sum(1 for pos, c in enumerate(record) if pos not in used and c.strip())
            result.rows.append(Row(line=line, cells=cells, extra_cells=extra))
    except UnicodeDecodeError:
        result.rows.clear()
        result.problems.append(Problem("not_utf8"))
    except csv.Error as exc:
        result.problems.append(Problem("not_csv", {"detail": f"line {previous + 1}: {exc}"}))
    return result


def header_row(reader: Any) -> list[str] | None:
    """The first non-blank record of a csv reader, without a BOM; None if there is none."""
    for record in reader:
        if any(cell.strip() for cell in record):
            if record:
                record[0] = record[0].lstrip("\ufeff")
            return record
    return None


def _columns(
    header: list[str],
    result: InventoryFile,
    *,
    columns: tuple[str, ...],
    required: tuple[str, ...],
) -> dict[str, int]:
    positions: dict[str, int] = {}
    duplicates: list[str] = []
    for pos, title in enumerate(header):
        column = column_name(title)
        if not column:
            continue  # an unnamed column: its cells must stay empty (see extra_cells)
        if column not in columns:
            params = {"column": title.strip(), "allowed": columns}
            result.problems.append(Problem("unknown_column", params))
        elif column in positions:
            if column not in duplicates:
                duplicates.append(column)
                result.problems.append(Problem("duplicate_column", {"column": column}))
        else:
            positions[column] = pos
    for column in required:
        if column not in positions:
            result.problems.append(Problem("missing_column", {"column": column}))
    result.columns = tuple(c for c in columns if c in positions)
    return positions


def column_name(title: str) -> str:
    """A header cell as a column name: lower case, spaces and dashes as `_`, no BOM."""
    return _HEADER_SEPARATORS.sub("_", title.strip().lstrip("\ufeff").strip().lower())


def _cell(value: str, *, text: bool) -> str:
    # Our own export prefixes formula-like text with `'`: take exactly that back off.
    return unescape_cell(value.strip()) if text else value


# --- planning ------------------------------------------------------------------------


def plan_inventory_import(
    session: Session,
    file: InventoryFile,
    *,
    resolve_user: UserResolver,
    actor: str,
    progress: Progress | None = None,
) -> ImportPlan:
    """Validate every row and decide create / update / unchanged; writes nothing.

    `resolve_user` is asked once per distinct owner value. `progress(n)` is called as
    rows are checked (for a progress bar).
    """
    plan = ImportPlan(actor=actor, rows_read=len(file.rows), columns=file.columns)
    plan.file_problems = list(file.problems)
    if plan.file_problems:
        return plan
    resolver = _cached(resolve_user, plan.owners)
    currency = ws.get(session, "currency")
    existing = {i.name_key: i for i in session.exec(select(Initiative))}
    lines_by_key: dict[str, list[int]] = {}
    for row in file.rows:
        key = name_key(row.cells.get("name", ""))
        if key:
            lines_by_key.setdefault(key, []).append(row.line)
    for row in file.rows:
        _plan_row(
            plan,
            row,
            resolver=resolver,
            existing=existing,
            lines_by_key=lines_by_key,
            currency=currency,
        )
        if progress is not None:
            progress(1)
    return plan


def _plan_row(
    plan: ImportPlan,
    row: Row,
    *,
    resolver: UserResolver,
    existing: Mapping[str, Initiative],
    lines_by_key: Mapping[str, list[int]],
    currency: str,
) -> None:
    name = row.cells.get("name", "").strip()
    problems: dict[str, Problem] = {}
    values: dict[str, Any] = {}
    if row.extra_cells:
        problems[ROW] = Problem("extra_cells", {"count": row.extra_cells})
    try:
        values = parse_fields(row.cells, resolve_user=resolver, partial=True, currency=currency)
    except Invalid as exc:
        problems.update(exc.problems)
    key = name_key(name)
    others = [line for line in lines_by_key.get(key, []) if line != row.line]
    if key and others and "name" not in problems:
        problems["name"] = Problem("duplicate_in_file", {"value": name, "line": others[0]})
    if problems:
        plan.bad.append(BadRow(line=row.line, name=name, problems=problems))
        return
    current = existing.get(key)
    if current is None:
        plan.rows.append(RowPlan(row.line, name, "create", row.cells, values))
        return
    changes = diff(current, values)
    action: Action = "update" if changes else "unchanged"
    plan.rows.append(RowPlan(row.line, name, action, row.cells, values, current.id, changes))


def _cached(resolve_user: UserResolver, cache: dict[str, str | None]) -> UserResolver:
    def resolve(text: str) -> str | None:
        key = text.strip()
        if key not in cache:
            cache[key] = resolve_user(key)
        return cache[key]

    return resolve


def diff(initiative: Initiative, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The model attributes `values` would change, as (before, after)."""
    return {
        key: (getattr(initiative, key), value)
        for key, value in values.items()
        if getattr(initiative, key) != value
    }


# --- applying ------------------------------------------------------------------------


def apply_inventory_import(
    session: Session, plan: ImportPlan, *, actor: str, skip_bad: bool = False
) -> ImportResult:
    """Apply a plan in the caller's transaction; raises `ImportRejected` writing nothing.

    Bad rows reject the whole file unless `skip_bad`; file-level problems always do.
    """
    if plan.file_problems or (plan.bad and not skip_bad):
        raise ImportRejected(file_problems=plan.file_problems, bad_rows=plan.bad)
    result = ImportResult(rows_read=plan.rows_read, skipped=len(plan.bad), bad=list(plan.bad))
    owners = dict(plan.owners)
    for row in plan.rows:
        if row.action == "create":
            register(
                session,
                raw=row.cells,
                actor=actor,
                resolve_user=lambda text: owners.get(text.strip()),
                source=SOURCE,
            )
            result.created += 1
            continue
        initiative = session.get(Initiative, row.initiative_id)
        if initiative is None:
            raise NotFound(kind="initiative", query=row.name)
        if apply_changes(session, initiative=initiative, values=row.values, actor=actor):
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
    return result


def apply_changes(
    session: Session,
    *,
    initiative: Initiative,
    values: Mapping[str, Any],
    actor: str,
    source: str = SOURCE,
) -> bool:
    """Set the fields that differ and record one audit entry; False if nothing differed.

    No permission check: only admins run imports.
    """
    changes = diff(initiative, values)
    if not changes:
        return False
    before = _snapshot(session, initiative)
    for key, (_old, new) in changes.items():
        setattr(initiative, key, new)
    if "name" in changes:
        initiative.name_key = name_key(initiative.name)
    initiative.updated_at = utcnow()
    session.add(initiative)
    audit.record(
        session,
        actor=actor,
        action="initiative.edit",
        entity="initiative",
        entity_id=initiative.id,
        before=before,
        after=_snapshot(session, initiative),
        source=source,
    )
    session.flush()
    return True


def _snapshot(session: Session, initiative: Initiative) -> dict[str, Any]:
    data = audit.snapshot(initiative, exclude=_AUDIT_EXCLUDE)
    data["delegates"] = delegates_of(session, initiative.id)
    return data


def import_inventory(
    session: Session,
    file: InventoryFile,
    *,
    resolve_user: UserResolver,
    actor: str,
    skip_bad: bool = False,
) -> ImportResult:
    """Plan and apply in one go (one transaction: the caller's session)."""
    plan = plan_inventory_import(session, file, resolve_user=resolve_user, actor=actor)
    return apply_inventory_import(session, plan, actor=actor, skip_bad=skip_bad)
