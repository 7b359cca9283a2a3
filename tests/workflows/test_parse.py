"""The question parser: an evaluation set (questions.yaml) that must be understood 100%,
plus properties no question may break."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.core.periods import FiscalCalendar, Month, Period
from workflows.figures.figures import GROUPS
from workflows.questions.parse import Vocabulary, parse
from workflows.questions.query import MEASURES, Ambiguous, Filters, Query, Unknown

TODAY = date(2026, 11, 16)
CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "questions.yaml").read_text(encoding="utf-8")
)
VOCABULARY = Vocabulary(
    initiatives=(
        "Customer Support Assistant",
        "Invoice Extraction",
        "Campaign Copy Writer",
        "Sales Call Summaries",
        "Sales Email Assistant",
        "Contract Review",
        "HR Policy Bot",
        "Budget Forecaster",
    ),
    aliases={"doc bot": "Invoice Extraction"},
    departments=("Support", "Finance", "Marketing", "Sales", "Legal", "HR"),
    cost_centers=("CC-1001", "Marketing Ops"),
    providers=("OpenAI", "Anthropic", "Azure OpenAI", "Google"),
    models=("gpt-4o", "claude-sonnet"),
    use_cases=("Document processing", "Customer service", "Content generation"),
    outcome_units=("ticket resolved", "invoice processed"),
)
_CALENDARS = {1: FiscalCalendar(1), 4: FiscalCalendar(4)}


def _months(period: Period | None) -> list[str] | None:
    return None if period is None else [period.start.iso, period.end.iso]


def _expected(case: dict[str, Any]) -> dict[str, Any]:
    """What the case says the parser must give, in the shape of `_actual`."""
    if case.get("unknown"):
        return {"unknown": True}
    if "ambiguous" in case:
        return {"ambiguous": case["ambiguous"], "choices": list(case.get("choices", []))}
    raw_filters = dict(case.get("f", {}))
    raw_filters["initiatives"] = tuple(raw_filters.get("initiatives", ()))
    raw_filters["outcome_units"] = tuple(raw_filters.get("outcome_units", ()))
    if "among" in raw_filters:  # [department, [Sales, Marketing]]
        kind, values = raw_filters["among"]
        raw_filters["among"] = (kind, tuple(values))
    return {
        "measure": case["m"],
        "status": case.get("st"),
        "filters": Filters(**raw_filters),
        "group_by": case.get("g"),
        "top": case.get("top"),
        "ascending": case.get("asc", False),
        "period": [str(m) for m in case["p"]],
        "period_explicit": not case.get("d", False),
        "compare_to": [str(m) for m in case["c"]] if "c" in case else None,
        "chart": case.get("chart", False),
        "share": case.get("share", False),
    }


def _actual(result: Query | Unknown | Ambiguous) -> dict[str, Any]:
    if isinstance(result, Unknown):
        return {"unknown": True}
    if isinstance(result, Ambiguous):
        return {"ambiguous": result.text, "choices": list(result.choices)}
    return {
        "measure": result.measure,
        "status": result.status,
        "filters": result.filters,
        "group_by": result.group_by,
        "top": result.top,
        "ascending": result.ascending,
        "period": _months(result.period),
        "period_explicit": result.period_explicit,
        "compare_to": _months(result.compare_to),
        "chart": result.chart,
        "share": result.share,
    }


def _run(case: dict[str, Any]) -> Query | Unknown | Ambiguous:
    calendar = _CALENDARS[case.get("cal", 1)]
    return parse(case["q"], vocabulary=VOCABULARY, calendar=calendar, today=TODAY)


def test_evaluation_set_is_understood_completely() -> None:
    failures = []
    for case in CASES:
        expected, actual = _expected(case), _actual(_run(case))
        if expected != actual:
            wrong = {k: (expected.get(k), actual.get(k)) for k in expected | actual}
            wrong = {k: v for k, v in wrong.items() if v[0] != v[1]}
            failures.append(
                f"  {case['q']!r}: "
                + "; ".join(f"{k}: want {w!r}, got {g!r}" for k, (w, g) in wrong.items())
            )
    right = len(CASES) - len(failures)
    print(f"parser accuracy: {right}/{len(CASES)}")
    assert not failures, f"parser accuracy: {right}/{len(CASES)}\n" + "\n".join(failures)


def test_evaluation_set_covers_the_brief() -> None:
    queries = [r for r in (_run(c) for c in CASES) if isinstance(r, Query)]
    assert len(CASES) >= 160
    assert {q.measure for q in queries} == set(MEASURES)
    assert {q.status for q in queries} >= {"over_budget", "not_reported", "stage"}
    assert {q.group_by for q in queries} >= set(GROUPS)
    scopes = [f.name for f in fields(Filters)]  # every kind of scope a question can name
    assert {name for q in queries for name in scopes if getattr(q.filters, name)} == set(scopes)
    assert any(q.top and q.ascending for q in queries) and any(
        q.top and not q.ascending for q in queries
    )
    assert (
        any(q.compare_to for q in queries)
        and any(q.chart for q in queries)
        and any(q.share for q in queries)
    )
    results = [_run(c) for c in CASES]
    assert any(isinstance(r, Unknown) for r in results) and any(
        isinstance(r, Ambiguous) for r in results
    )


@pytest.mark.parametrize(
    ("text", "first", "last", "label"),
    [
        ("spend last quarter", "2026-07", "2026-09", "Q3 2026"),
        ("spend in FY2025", "2025-01", "2025-12", "FY2025"),
        ("spend ytd", "2026-01", "2026-11", "FY2026 to date"),
    ],
)
def test_resolved_periods_keep_their_labels(text: str, first: str, last: str, label: str) -> None:
    result = parse(text, vocabulary=VOCABULARY, calendar=FiscalCalendar(1), today=TODAY)
    assert isinstance(result, Query)
    assert (result.period.start.iso, result.period.end.iso, result.period.label) == (
        first,
        last,
        label,
    )


def test_comparison_keeps_kinds_and_labels() -> None:
    result = parse(
        "spend in Q3 compared to last year",
        vocabulary=VOCABULARY,
        calendar=FiscalCalendar(1),
        today=TODAY,
    )
    assert isinstance(result, Query) and result.compare_to is not None
    assert (result.period.label, result.compare_to.label) == ("Q3 2026", "Q3 2025")
    ytd = parse(
        "spend ytd vs last year", vocabulary=VOCABULARY, calendar=FiscalCalendar(1), today=TODAY
    )
    assert isinstance(ytd, Query) and ytd.compare_to is not None
    assert ytd.compare_to.label == "FY2025 to date"
    assert (ytd.compare_to.start, ytd.compare_to.end) == (Month(2025, 1), Month(2025, 11))


def test_same_question_same_answer_and_vocabulary_is_hashable() -> None:
    again = Vocabulary(
        initiatives=list(VOCABULARY.initiatives),
        aliases=dict(VOCABULARY.aliases),
        departments=list(VOCABULARY.departments),
        cost_centers=list(VOCABULARY.cost_centers),
        providers=list(VOCABULARY.providers),
        models=list(VOCABULARY.models),
        use_cases=list(VOCABULARY.use_cases),
        outcome_units=list(VOCABULARY.outcome_units),
    )
    assert again == VOCABULARY and hash(again) == hash(VOCABULARY)
    for case in CASES[:40]:
        first = parse(case["q"], vocabulary=VOCABULARY, calendar=FiscalCalendar(1), today=TODAY)
        second = parse(case["q"], vocabulary=again, calendar=FiscalCalendar(1), today=TODAY)
        assert first == second


def test_names_that_are_common_words_need_their_capitals() -> None:
    vocabulary = Vocabulary(departments=("IT", "Data", "Marketing"))
    it = parse(
        "what does IT spend on AI", vocabulary=vocabulary, calendar=FiscalCalendar(1), today=TODAY
    )
    assert isinstance(it, Query) and it.filters.department == "IT"
    lower = parse(
        "what does it cost", vocabulary=vocabulary, calendar=FiscalCalendar(1), today=TODAY
    )
    assert isinstance(lower, Query) and lower.filters == Filters()
    data = parse(
        "data costs this year", vocabulary=vocabulary, calendar=FiscalCalendar(1), today=TODAY
    )
    assert isinstance(data, Query) and data.filters == Filters(category="data")


_WORDY = Vocabulary(
    initiatives=("ROI Calculator", "Spend Analyzer", "Forecast", "March Madness Bot", "Budget Bot"),
    departments=("Data", "IT", "Operations"),
    models=("o1", "gpt-4o-mini", "gpt-4o"),
    cost_centers=("1200",),
    use_cases=("Budgeting",),
)


@pytest.mark.parametrize(
    ("text", "measure", "filters", "first"),
    [
        (
            "what does the ROI calculator cost",
            "spend",
            {"initiatives": ("ROI Calculator",)},
            "2026-10",
        ),
        ("roi of the roi calculator", "roi", {"initiatives": ("ROI Calculator",)}, "2026-07"),
        ("spend analyzer roi last quarter", "roi", {"initiatives": ("Spend Analyzer",)}, "2026-07"),
        ("what does Forecast cost", "spend", {"initiatives": ("Forecast",)}, "2026-10"),
        ("forecast for this year", "forecast", {}, "2026-01"),
        (
            "march madness bot spend in march",
            "spend",
            {"initiatives": ("March Madness Bot",)},
            "2026-03",
        ),
        ("budget bot budget", "budget_use", {"initiatives": ("Budget Bot",)}, "2026-10"),
        ("budget for budgeting", "budget_use", {"use_case": "Budgeting"}, "2026-10"),
        ("Data spend", "spend", {"department": "Data"}, "2026-10"),
        ("data spend", "spend", {"category": "data"}, "2026-10"),
        ("IT spend this year", "spend", {"department": "IT"}, "2026-01"),
        ("what does it cost", "spend", {}, "2026-10"),
        ("what does o1 cost", "spend", {"model": "o1"}, "2026-10"),
        ("gpt 4o mini spend", "spend", {"model": "gpt-4o-mini"}, "2026-10"),
        ("gpt-4o spend", "spend", {"model": "gpt-4o"}, "2026-10"),
        ("cost center 1200 spend", "spend", {"cost_center": "1200"}, "2026-10"),
    ],
)
def test_names_made_of_question_words(
    text: str, measure: str, filters: dict[str, Any], first: str
) -> None:
    result = parse(text, vocabulary=_WORDY, calendar=FiscalCalendar(1), today=TODAY)
    assert isinstance(result, Query), result
    assert (result.measure, result.filters, result.period.start.iso) == (
        measure,
        Filters(**filters),
        first,
    )


def test_an_empty_vocabulary_still_answers_portfolio_questions() -> None:
    result = parse(
        "spend by department this year",
        vocabulary=Vocabulary(),
        calendar=FiscalCalendar(1),
        today=TODAY,
    )
    assert isinstance(result, Query) and result.group_by == "department"
    unknown = parse(
        "what does the support bot cost",
        vocabulary=Vocabulary(),
        calendar=FiscalCalendar(1),
        today=TODAY,
    )
    assert isinstance(unknown, Ambiguous) and unknown.choices == ()


def test_two_equally_close_initiatives_are_ambiguous() -> None:
    vocabulary = Vocabulary(
        initiatives=("Support Bot EU", "Support Bot US"), departments=("Support",)
    )
    result = parse(
        "what does the support bot cost",
        vocabulary=vocabulary,
        calendar=FiscalCalendar(1),
        today=TODAY,
    )
    question = "what does the support bot cost"
    assert result == Ambiguous("support bot", ("Support Bot EU", "Support Bot US"), question)
    assert result.with_choice("Support Bot US") == "what does the Support Bot US cost"
    assert result.with_choice("Support Bot UK") is None  # only the choices offered


def test_a_choice_replaces_the_name_as_it_was_typed() -> None:
    typed = Ambiguous("custmer suport asistant", ("Customer Support Assistant",), "")
    question = "Spend of CUSTMER-suport  asistant in Q3, chart"
    asked = Ambiguous(typed.text, typed.choices, question)
    assert asked.with_choice("Customer Support Assistant") == (
        "Spend of Customer Support Assistant in Q3, chart"
    )


def test_a_large_inventory_still_finds_the_name() -> None:
    """10,000 similar names do not crowd out a two-typo match (speed: bench/questions.py)."""
    names = [
        f"Initiative {i} {w}"
        for i, w in zip(
            range(10_000), ["Assistant", "Bot", "Writer", "Copilot"] * 2500, strict=True
        )
    ]
    vocabulary = Vocabulary(
        initiatives=[*names, *VOCABULARY.initiatives], departments=VOCABULARY.departments
    )
    result = parse(
        "what does the custmer suport assistant cost last quarter",
        vocabulary=vocabulary,
        calendar=FiscalCalendar(1),
        today=TODAY,
    )
    assert isinstance(result, Query) and result.filters.initiatives == (
        "Customer Support Assistant",
    )


_ALPHABET = st.sampled_from(
    [
        *"abcdefghijklmnopqrstuvwxyz0123456789 ?!.,'-&<>@$%*_/:",
        "spend",
        " by ",
        "vs",
        "q3",
        "top 5",
        "over budget",
        "<@U1>",
        "&amp;",
        "support bot",
        "last year",
        "march",
        "between ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=20).map("".join))
def test_any_text_gives_a_result_never_an_exception(text: str) -> None:
    result = parse(text, vocabulary=VOCABULARY, calendar=FiscalCalendar(4), today=TODAY)
    assert isinstance(result, Query | Unknown | Ambiguous)
    if isinstance(result, Query):
        assert result.measure in MEASURES
        assert result.top is None or result.top >= 1
        assert len(result.filters.initiatives) == len(set(result.filters.initiatives))
    if isinstance(result, Ambiguous):
        assert len(result.choices) <= 3


def test_concurrent_askers_build_one_vocabulary_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """A warm-up and the first question asking at once: the index is built once."""
    import threading

    from workflows.questions import vocabulary as vocab_module

    built: list[int] = []
    real_build = vocab_module._build

    def slow_build(v: Vocabulary) -> Any:
        built.append(1)
        threading.Event().wait(0.2)  # long enough for the others to arrive meanwhile
        return real_build(v)

    monkeypatch.setattr(vocab_module, "_build", slow_build)
    names = tuple(f"Concurrent Initiative {i}" for i in range(50))
    made: list[Vocabulary] = []
    threads = [
        threading.Thread(target=lambda: made.append(Vocabulary(initiatives=names)))
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and len(made) == 3
    assert made[0]._index is made[1]._index is made[2]._index
