"""The answer-level evaluation set (issue 6, "Done means"): questions asked by a given person
over the fixture portfolio (tests/fixtures_portfolio.py) and the exact figures they must
get, computed by hand in tests/answers_eval.yaml. Reports "answer accuracy: N/M" and fails
below 100%, listing every wrong case with what was expected and what came back.

The portfolio is built once per database (SQLite and PostgreSQL); every question runs in
a session that is rolled back, so a case that changes a setting (`cal: 4`) leaves nothing
behind.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.views.answers import render
from storage.db import Database
from tests.conftest import _truncate
from tests.fixtures_portfolio import NOW, TODAY, VIEWERS, build
from workflows.core import settings
from workflows.questions.answer import Answer
from workflows.questions.ask import ask
from workflows.questions.query import MEASURES, Ambiguous, Unknown

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "answers_eval.yaml").read_text(encoding="utf-8")
)
MICROS = Decimal(1_000_000)
_FLAGS = {"scoped": "scoped_to_own", "hidden": "hidden", "nothing": "nothing_visible"}
_KEYS = {
    "q", "as", "cal", "m", "period", "value", "compare", "rows", "notes", "sources", "bases",
    "extra", "unknown", "ambiguous", "choices", "bug", *_FLAGS,
}  # fmt: skip


@pytest.fixture(scope="module", params=("sqlite", "postgres"))
def portfolio(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[Database]:
    """A fresh migrated database holding the fixture portfolio, built once per backend."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("answers") / "aigov.db"
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        _truncate(url)
    db = Database(url)
    with db.write() as session:
        build(session)
    yield db
    db.dispose()
    if request.param == "postgres":
        _truncate(url)  # the function-scoped `db` fixture expects an empty database


# ---- expected values ----------------------------------------------------------------------


def _number(text: object) -> Decimal:
    """'76500', '5.5', '-8000' or a fraction '10510/126500' (a ratio left to Decimal)."""
    raw = str(text).replace(",", "").replace("_", "")
    if "/" in raw:
        top, bottom = raw.split("/")
        return Decimal(top) / Decimal(bottom)
    return Decimal(raw)


def _money(text: object) -> int:
    """Dollars as written in the YAML -> micro-units (they must be whole micro-units)."""
    micros = _number(text) * MICROS
    assert micros == micros.to_integral_value(), f"not whole micro-units: {text!r}"
    return int(micros)


def _figure(text: object, money: bool) -> Decimal | int | None:
    if text is None:
        return None
    return _money(text) if money else _number(text)


def _shown(value: Decimal | int | None, money: bool) -> str | None:
    """A figure as the YAML writes it (dollars for money)."""
    if value is None:
        return None
    if money:
        return format((Decimal(value) / MICROS).normalize(), "f")
    return format(Decimal(value).normalize(), "f") if isinstance(value, Decimal) else str(value)


def _is_money(result: Answer) -> bool:
    return result.is_money or (result.query.measure, result.query.status) == (
        "status",
        "over_budget",
    )


# ---- one case -----------------------------------------------------------------------------


def _run(db: Database, case: dict[str, Any]) -> Answer | Unknown | Ambiguous:
    with db.read() as session:  # rolled back at the end
        if case.get("cal"):
            settings.put(
                session, key="fiscal_year_start_month", text=str(case["cal"]), actor="eval"
            )
            session.flush()
        viewer = VIEWERS[case.get("as", "leader")]
        return ask(session, case["q"], viewer=viewer, today=TODAY, now=NOW)


def _problems(case: dict[str, Any], result: Answer | Unknown | Ambiguous) -> list[str]:
    """Every way the answer differs from the case (empty: right)."""
    if case.get("unknown"):
        return [] if isinstance(result, Unknown) else [f"want Unknown, got {_kind(result)}"]
    if "ambiguous" in case:
        want = (case["ambiguous"], list(case.get("choices", [])))
        if isinstance(result, Ambiguous) and (result.text, list(result.choices)) == want:
            return []
        return [f"want Ambiguous{want!r}, got {_kind(result)}"]
    if not isinstance(result, Answer):
        return [f"want an answer, got {_kind(result)}"]
    money = _is_money(result)
    out: list[str] = []

    def check(what: str, want: object, got: object) -> None:
        if want != got:
            out.append(f"{what}: want {want!r}, got {got!r}")

    q = result.query
    if "m" in case:
        check("measure", case["m"], q.measure)
    if "period" in case:
        check("period", [str(m) for m in case["period"]], [q.period.start.iso, q.period.end.iso])
    check("value", _shown(_figure(case.get("value"), money), money), _shown(result.value, money))
    check(
        "compare",
        _shown(_figure(case.get("compare"), money), money),
        _shown(result.compare_value, money),
    )
    for key, attr in _FLAGS.items():
        check(attr, bool(case.get(key, False)), getattr(result, attr))
    want_rows = [_row(r, money) for r in case.get("rows", [])]
    got_rows = [
        (r.label, _shown(r.value, money), _shown(r.extra, money if r.extra is not None else False))
        for r in result.rows
    ]
    check("rows", want_rows, got_rows)
    if "notes" in case:
        check("notes", list(case["notes"]), [r.note for r in result.rows])
    for key in ("sources", "bases"):
        if key in case:
            check(key, sorted(case[key]), sorted(getattr(result, key)))
    for key, want in (case.get("extra") or {}).items():
        got = result.extra.get(key)
        if key == "budget":
            check("extra.budget", _shown(_figure(want, True), True), _shown(got, True))
        else:
            check(f"extra.{key}", want, got)
    return out


def _row(spec: list[Any], money: bool) -> tuple[str, str | None, str | None]:
    label, value, *rest = [*spec, None] if len(spec) == 1 else spec
    extra = rest[0] if rest else None
    if isinstance(extra, int) and not money:
        return label, _shown(_figure(value, money), money), str(extra)
    return label, _shown(_figure(value, money), money), _shown(_figure(extra, money), money)


def _kind(result: object) -> str:
    if isinstance(result, Answer):
        return f"Answer(value={result.value!r}, rows={len(result.rows)})"
    return repr(result)


# ---- the tests ----------------------------------------------------------------------------


def test_evaluation_set_is_answered_exactly(portfolio: Database) -> None:
    failures = []
    seen: set[str] = set()  # scope kinds, groupings and period kinds the set exercised
    for n, case in enumerate(CASES, start=1):
        try:
            result = _run(portfolio, case)
            if isinstance(result, Answer):
                seen |= _exercised(result)
            problems = _problems(case, result)
            _rendered(result)  # words for Slack and the terminal: a crash there is wrong too
        except Exception as exc:  # a crash is a wrong answer too
            problems = [f"raised {type(exc).__name__}: {exc}"]
        if problems:
            who = case.get("as", "leader") + (
                f", fiscal year from month {case['cal']}" if case.get("cal") else ""
            )
            known = f"\n      known bug: {case['bug']}" if case.get("bug") else ""
            failures.append(
                f"  #{n} {case['q']!r} ({who}):\n"
                + "\n".join(f"      {p}" for p in problems)
                + known
            )
    right = len(CASES) - len(failures)
    print(f"answer accuracy: {right}/{len(CASES)}")
    assert not failures, f"answer accuracy: {right}/{len(CASES)}\n" + "\n".join(failures)
    scopes = {"initiatives", "department", "cost_center", "provider", "model", "stage"}
    scopes |= {"use_case", "category"}
    groups = {"initiative", "department", "cost_center", "provider", "model", "stage"}
    groups |= {"use_case", "category", "month"}
    wanted = {f"filter:{k}" for k in scopes} | {f"group:{g}" for g in groups}
    wanted |= {f"period:{k}" for k in ("month", "quarter", "half", "year", "range")}
    wanted |= {"top", "bottom", "compare", "status:over_budget", "status:not_reported"}
    wanted |= {"status:stage", "scoped_to_own", "hidden", "nothing_visible"}
    assert wanted <= seen, f"not exercised: {sorted(wanted - seen)}"


def _rendered(result: Answer | Unknown | Ambiguous) -> str:
    """The answer as Slack and the terminal get it (raises where the words would fail)."""
    text, blocks = render(result)
    plain, _ = render(result, plain=True)
    assert text and plain and blocks, "an empty answer"
    return text


PARSE_SET: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "workflows" / "questions.yaml").read_text(encoding="utf-8")
)


def test_every_parse_set_question_gets_an_answer_without_error(portfolio: Database) -> None:
    """Each of the parser's wordings, asked by a leader, an owner and a member over the
    fixture portfolio, is answered and worded for Slack and the terminal without raising
    (the figures themselves are checked by the evaluation set above)."""
    crashed = []
    for case in PARSE_SET:
        for who in ("leader", "support_owner", "member"):
            try:
                _rendered(_run(portfolio, {"q": case["q"], "as": who, "cal": case.get("cal")}))
            except Exception as exc:
                crashed.append(f"  {case['q']!r} ({who}): {type(exc).__name__}: {exc}")
    assert not crashed, f"{len(crashed)} answers raised:\n" + "\n".join(crashed)


def _exercised(result: Answer) -> set[str]:
    q = result.query
    found = {f"filter:{k}" for k, v in vars(q.filters).items() if v}
    found |= {f"group:{q.group_by}", f"period:{q.period.kind}", f"status:{q.status}"}
    if q.top:
        found.add("bottom" if q.ascending else "top")
    if q.compare_to is not None:
        found.add("compare")
    return found | {f for f in ("scoped_to_own", "hidden", "nothing_visible") if getattr(result, f)}


def test_evaluation_set_covers_the_brief() -> None:
    """At least 150 questions; every measure, scope, period form, grouping and role."""
    assert len(CASES) >= 160
    for case in CASES:
        assert set(case) <= _KEYS, (case["q"], set(case) - _KEYS)
        assert case.get("as", "leader") in VIEWERS, case["q"]
    answered = [c for c in CASES if not c.get("unknown") and "ambiguous" not in c]
    assert all("m" in c for c in answered), [c["q"] for c in answered if "m" not in c]
    assert {c["m"] for c in answered} == set(MEASURES)
    assert {c.get("as", "leader") for c in CASES} == set(VIEWERS)
    assert any(c.get("cal") == 4 for c in CASES)
    assert any(c.get("unknown") for c in CASES) and any("ambiguous" in c for c in CASES)
    asked = [(c["q"], c.get("as", "leader"), c.get("cal", 1)) for c in CASES]
    assert len(asked) == len(set(asked)), "a question asked twice by the same person"
