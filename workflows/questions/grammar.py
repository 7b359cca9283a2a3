"""The grammar of spend questions: which words mean which part of a query (see parse.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from workflows.core.periods import FiscalCalendar, Period, PeriodError, resolve
from workflows.questions import lexicon as lx
from workflows.questions.sentence import Sentence, named, rx
from workflows.questions.text import key, stem
from workflows.questions.vocabulary import Match, Vocabulary
from workflows.questions.when import period_start

_CONNECTORS = frozenset({"and", "to", "through", "thru", "until", "till", "-", "with", "from"})
_MAX_PERIOD_WORDS = 7

_GROUP_NAMED = named(lx.GROUP_WORDS)
RX = {
    # "share of spend" asks for a percentage, never to post the answer for everyone
    "percent": rx(
        r"(?:what|which) (?:percent(?:age)?|share|proportion|fraction|part|%)(?: of)?"
        r"|percent(?:age)?s?(?: of)?|(?:the |our |its |their )?share of|proportion of"
        r"|as (?:a )?(?:percent(?:age)?|%|share)|% of|in percent"
        r"|how much of(?= (?:our|the|all|total|ai|company) )|accounts? for|makes? up|made up"
    ),
    "share": rx(
        r"(?:and |then )?share(?:d)?(?: (?:it|this|that)(?: (?:here|with (?:the )?(?:channel|team|everyone)))?)?"
        r"|(?:and |then )?post (?:it |this )?(?:here|in (?:the )?channel)"
    ),
    "chart": rx(
        r"(?:bar |line |pie )?(?:charts?|charted|plot|plots|plotted|graphs?|graphed|visuali[sz]e[sd]?"
        r"|visuali[sz]ation|sparkline)"
    ),
    "savings_compare": rx(lx.SAVINGS_COMPARE),
    "budget_compare": rx(lx.BUDGET_COMPARE),
    "over_budget": rx(lx.OVER_BUDGET),
    "not_reported": rx(lx.NOT_REPORTED),
    "value_per_ai_dollar": rx(lx.VALUE_PER_DOLLAR),
    "roi": rx(lx.ROI),
    "cost_per_outcome": rx(lx.COST_PER),
    "group": rx(rf"(?:{lx.GROUP_CUE}) (?:the |our |all |all the |all our )?(?:{_GROUP_NAMED})"),
    "group_after": rx(rf"(?:{_GROUP_NAMED}) (?:breakdown|split)"),
    "monthly": rx(lx.MONTHLY),
    "breakdown": rx(lx.BREAKDOWN),
    "rank": rx(
        rf"(?:(?P<n1>[0-9]{{1,3}}) )?(?P<cue>{lx.RANK_DESC}|{lx.RANK_ASC}|{lx.RANK_JUDGE})"
        rf"(?: (?P<n2>[0-9]{{1,3}}))?"
    ),
    "group_noun": rx(_GROUP_NAMED),
    "compare_infix": rx(lx.COMPARE_INFIX),
    "compare_verb": rx(lx.COMPARE_VERB),
    "compare_weak": rx(lx.COMPARE_WEAK),
    "category": rx(named(lx.CATEGORIES)),
    "stage": rx(named(lx.STAGES)),
    "forecast": rx(lx.FORECAST),
    "budget_use": rx(lx.BUDGET),
    "outcomes": rx(lx.OUTCOMES),
    "value": rx(lx.VALUE),
    "savings": rx(lx.SAVINGS),
    "spend": rx(lx.SPEND),
    "how_much": rx(lx.HOW_MUCH),
    "kill": rx(lx.KILL),
    "scale": rx(lx.SCALE),
    "how_many_listed": rx(rf"how many(?= (?:{lx.HOW_MANY_NOT})(?![^ ]))"),
    "hints": rx(lx.HINTS),
}
SHIFT_RX = {months: rx(pattern) for months, pattern in lx.SHIFTS.items()}


@dataclass
class Found:
    """Everything read from a question so far (turned into a `Query` by build.py)."""

    measures: list[str] = field(default_factory=list)
    weak_outcomes: bool = False
    how_much: bool = False
    status: str | None = None
    stages: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    rank: tuple[str, int | None] | None = None  # (cue, n)
    rank_noun: tuple[str, bool] | None = None  # (group, plural)
    compare_at: int | None = None  # first word of a strong comparison
    compare_weak: bool = False
    falling: bool = False  # the change asked about is downwards ("fell the most")
    shift: int | None = None  # "yoy": 12, "qoq": 3, "mom": 1, "previous period": 0
    # each period phrase: (first word, period, its text, the word before it)
    periods: list[tuple[int, Period, str, str]] = field(default_factory=list)
    names: list[tuple[int, int, Match]] = field(default_factory=list)
    chart: bool = False
    share: bool = False
    percent: bool = False  # "what share of spend", "as a percentage"
    units: set[str] = field(default_factory=set)  # outcome units named by a word of theirs

    @property
    def understood(self) -> bool:
        return bool(
            self.measures
            or self.weak_outcomes
            or self.how_much
            or self.status
            or self.stages
            or self.categories
            or self.groups
            or self.rank
            or self.compare_at is not None
            or self.shift is not None
            or self.periods
            or self.names
        )


def _cost_per_unit(sentence: Sentence, vocabulary: Vocabulary, found: Found) -> None:
    """A cost asked "per" an outcome with a name between: "cost of invoice extraction per
    invoice" (the name is taken first, so the cost and the "per" are not side by side)."""
    if "spend" not in found.measures and not found.how_much:
        return
    for i, word in enumerate(sentence.low[:-1]):
        unit = key(sentence.low[i + 1])
        if word == "per" and sentence.free(i, i + 2) and vocabulary.is_outcome_word(unit):
            found.measures.append("cost_per_outcome")
            sentence.consume(i, i + 2)
            return


def read(
    sentence: Sentence, vocabulary: Vocabulary, found: Found, cal: FiscalCalendar, today: date
) -> None:
    """Take the grammar's wordings from the free words, most specific first."""
    take = sentence.take
    take(RX["how_many_listed"])  # "how many pilots": a list, not outcomes
    if take(RX["savings_compare"]):
        found.measures.append("savings")
    if take(RX["budget_compare"]):
        found.measures.append("budget_use")
    if take(RX["over_budget"]):
        found.status = "over_budget"
    if take(RX["not_reported"]):
        found.status = found.status or "not_reported"
    for hits, cue in ((take(RX["kill"]), "lowest"), (take(RX["scale"]), "highest")):
        if hits:
            found.measures.append("value_per_ai_dollar")
            found.rank = found.rank or (cue, None)
    for measure in ("value_per_ai_dollar", "roi", "cost_per_outcome"):
        if take(RX[measure]):
            found.measures.append(measure)
    for _, match in take(RX["group"]) + take(RX["group_after"]):
        found.groups.append(next(k for k, v in match.groupdict().items() if v))
    if take(RX["monthly"]):
        found.groups.append("month")
    if take(RX["breakdown"]) and not found.groups:
        found.groups.append("category")
    _ranking(sentence, found)
    _comparison(sentence, found)
    _periods(sentence, found, cal, today)
    if take(RX["not_reported"]):  # "missing their Q3 report": around a period
        found.status = found.status or "not_reported"
    _rank_noun(sentence, found)
    for _, match in take(RX["group_noun"], keep=True):
        kind = next(k for k, v in match.groupdict().items() if v)
        plural = stem(match.group(0).split()[-1]) != match.group(0).split()[-1]
        if plural and kind not in ("initiative", "month"):
            found.groups.append(kind)
    for _, match in take(RX["category"]):
        found.categories.append(next(k for k, v in match.groupdict().items() if v))
    for _, match in take(RX["stage"]):
        found.stages.append(next(k for k, v in match.groupdict().items() if v))
    take(RX["hints"])
    for measure in ("forecast", "budget_use", "outcomes", "value", "savings", "spend"):
        if take(RX[measure]):
            found.measures.append(measure)
    found.how_much = bool(take(RX["how_much"]))
    _cost_per_unit(sentence, vocabulary, found)
    for word in sentence.low:
        found.units |= vocabulary.units_named(key(word))
    for i, word in enumerate(sentence.low):
        if not sentence.used[i] and vocabulary.is_outcome_word(key(word)):
            found.weak_outcomes = True
            sentence.consume(i, i + 1)
    for i, word in enumerate(sentence.low):
        if sentence.used[i]:
            continue
        if word in lx.FILLER or key(word) in lx.FILLER or word.isdigit() or len(key(word)) < 2:
            sentence.consume(i, i + 1)


def _ranking(sentence: Sentence, found: Found) -> None:
    ranks = sentence.take(RX["rank"])
    if not ranks or found.rank:
        return
    _, match = ranks[0]
    cue = match["cue"]
    number = match["n1"] or match["n2"]
    found.rank = (cue, int(number) if number else None)
    if cue in lx.SPEND_RANK_WORDS:
        found.measures.append("spend")


def _rank_noun(sentence: Sentence, found: Found) -> None:
    """What a ranking ranks: 'top 3 departments', 'biggest spenders' (else initiatives)."""
    if not found.rank:
        return
    nouns = sentence.take(RX["group_noun"], keep=True)
    if nouns:
        first, noun = nouns[0]
        kind = next(k for k, v in noun.groupdict().items() if v)
        last = noun.group(0).split()[-1]
        found.rank_noun = (kind, stem(last) != last)
        if "spender" in noun.group(0):
            found.measures.append("spend")
        sentence.consume(first, first + len(noun.group(0).split()))


_FALLING = re.compile(lx.FALLING)


def _comparison(sentence: Sentence, found: Found) -> None:
    for months, pattern in SHIFT_RX.items():
        hits = sentence.take(pattern)
        if hits and found.shift is None:
            found.shift = months
            found.compare_at = hits[0][0]
    for name in ("compare_infix", "compare_verb"):
        hits = sentence.take(RX[name])
        if hits:
            first = hits[0][0]
            found.compare_at = first if found.compare_at is None else min(found.compare_at, first)
    weak = sentence.take(RX["compare_weak"])
    found.compare_weak = bool(weak)
    found.falling = any(
        _FALLING.search(m.group(0)) and " up" not in f" {m.group(0)}" for _, m in weak
    )


def _periods(sentence: Sentence, found: Found, cal: FiscalCalendar, today: date) -> None:
    """Period phrases, longest first from the left, resolved by `periods.resolve`."""
    comparing = found.compare_at is not None or found.compare_weak
    low, n, i = sentence.low, len(sentence.low), 0
    while i < n:
        if sentence.used[i] or not period_start(low, i):
            i += 1
            continue
        for j in range(min(n, i + _MAX_PERIOD_WORDS), i, -1):
            span = low[i:j]
            if not sentence.free(i, j) or (comparing and _CONNECTORS.intersection(span[1:])):
                continue
            if len(span) == 1 and span[0].isdigit() and not 2000 <= int(span[0]) <= 2099:
                continue
            try:
                period = resolve(cal, " ".join(span), today=today)
            except (PeriodError, ValueError, OverflowError):
                continue
            before = next((w for w in reversed(low[:i]) if w not in ("the", "in", "of")), "")
            found.periods.append((i, period, " ".join(span), before))
            sentence.consume(i, j)
            i = j
            break
        else:
            i += 1
