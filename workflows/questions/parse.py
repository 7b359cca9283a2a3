"""Plain-English spend questions -> `Query` (or `Unknown`, or `Ambiguous` for a name).

`parse(text, vocabulary=..., calendar=..., today=...)` is a pure function: no Slack, no
database, no model; the same text, names and day always give the same answer.

How a question is read, in order (each step takes the words it understands, so a word is
never read twice). The wordings live in `lexicon.py`, period handling in `when.py`, names
in `vocabulary.py`, the grammar steps in `grammar.py`, the defaults in `build.py`:

1. Slack formatting is undone (`<@U123>` mentions dropped, `&amp;` unescaped), the words are
   split and period wordings normalised ("third quarter" -> "q3", "fy26" -> "fy2026",
   "Q3 last year" -> "q3 2025").
2. "share" sets `share`; "chart", "plot", "graph" set `chart`.
3. Names from the vocabulary, longest first, so a name that contains a measure word
   ("ROI Calculator") stays a name. Then typos in the grammar's own words are corrected
   ("spned", "forcast", "teh"), never towards a word that is a typo of a name.
4. Status wordings ("over budget", "have not reported"), measures that contain other
   measures' words ("value per dollar", "cost per ticket"), groupings, rankings,
   comparisons, periods (cut out and resolved by `workflows.core.periods.resolve`), cost
   categories, stages, the remaining measure words, then filler words.
5. Whatever is left must be names with typos ("marketting", "hr polcy bot"); if not, the
   answer is `Ambiguous` (the unknown words, with up to 3 "did you mean" names: none when
   nothing is close) if it reads as a name, else `Unknown`.

Defaults (when the question does not say):
- measure: spend; ranking without a number: top 5 (top 1 for a singular noun: "which
  initiative costs the most"); ranking and comparison of names: by initiative.
- period (`period_explicit=False`): the current fiscal quarter for spend and budget use;
  the last completed fiscal quarter for the outcome measures (cost per outcome, value,
  value per AI dollar, ROI, outcomes, savings), whose figures arrive with the quarterly
  review; the current fiscal year for forecasts; for status questions the current quarter
  (over budget, stages) or the last completed quarter (not reported: the quarter under
  review). "this year" is the fiscal year.
- comparisons: `period` is the later period, `compare_to` the earlier; "compared to last
  year" compares with the same period a year before (with no other period: this fiscal
  year against the last); "vs last quarter"/"vs last month" literally, or the period
  before when that is the same period; "yoy"/"qoq"/"mom"/"previous period" shift by 12,
  3, 1 months or the period's own length.
- two periods outside a comparison: "Q2 and Q3" covers both; "Q1 ... last year" is Q1 of
  last fiscal year.
- several departments (providers, stages, ...) in one question: grouped by department,
  covering only those named (`filters.among`);
  several initiatives: `filters.initiatives` holds them all.
- spend for a period wholly in the future is a forecast.
"""

from __future__ import annotations

from datetime import date

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from workflows.core.periods import FiscalCalendar
from workflows.questions import lexicon as lx
from workflows.questions.build import build
from workflows.questions.grammar import RX, Found, read
from workflows.questions.query import Ambiguous, ParseResult, Unknown
from workflows.questions.sentence import Sentence
from workflows.questions.text import key, words
from workflows.questions.vocabulary import COMMON, Match, Vocabulary
from workflows.questions.when import normalise_periods

__all__ = ["Vocabulary", "parse"]

_MAX_NAME_WORDS = 8
_TYPO_TARGETS: dict[str, tuple[str, ...]] = {}
for _word in dict.fromkeys(
    [*lx.CORRECTABLE, *sorted(w for w in lx.FILLER if len(w) >= 3 and w.isalpha())]
):
    _TYPO_TARGETS[_word[0]] = (*_TYPO_TARGETS.get(_word[0], ()), _word)


def parse(
    text: str, *, vocabulary: Vocabulary, calendar: FiscalCalendar, today: date
) -> ParseResult:
    """Understand one question (see the module docstring for the rules and defaults)."""
    written = words(text)
    low = [w.casefold() for w in written]
    written, low = normalise_periods(written, low, calendar, today)
    sentence = Sentence(written, low)
    found = Found()
    found.percent = bool(sentence.take(RX["percent"]))  # first: "share of" is not `share`
    found.share = bool(sentence.take(RX["share"]))
    found.chart = bool(sentence.take(RX["chart"]))
    _names(sentence, vocabulary, found, fuzzy=False)
    _correct_typos(sentence, vocabulary)
    read(sentence, vocabulary, found, calendar, today)
    _names(sentence, vocabulary, found, fuzzy=True)
    for start, end, match in found.names:
        if match.ambiguous:
            while start < end - 1 and sentence.low[start] in lx.LEAD_WORDS | {"ai"}:
                start += 1
            return Ambiguous(" ".join(written[start:end]), match.names[:3], question=text)
    leftover = [(s, e) for s, e in sentence.runs()]
    if leftover:
        start, end = leftover[0]
        name = " ".join(written[start:end])
        choices = vocabulary.suggest(name)
        if choices or (found.understood and _looks_like_a_name(sentence, start, end)):
            return Ambiguous(name, choices, question=text)
        return Unknown(text)
    if not found.understood:
        return Unknown(text)
    return build(found, calendar, today)


# ---- names ------------------------------------------------------------------------------
_BEFORE_NAME = frozenset(
    lx.word_list("the a an of for on in by our my about from to with at does did is")
)


def _looks_like_a_name(sentence: Sentence, start: int, end: int) -> bool:
    """Unknown words that read as a name: 'the unicorn', 'Unicorn', 'unicorn tool'."""
    keys = [key(w) for w in sentence.low[start:end]]
    if any(k in lx.GENERIC for k in keys):
        return True
    if start > 0 and sentence.low[start - 1] in _BEFORE_NAME:
        return True
    return any(w[:1].isupper() for w in sentence.written[max(start, 1) : end])


def _names(sentence: Sentence, vocabulary: Vocabulary, found: Found, *, fuzzy: bool) -> None:
    """Names of the vocabulary in free words, longest first (fuzzy: whole free stretches)."""
    if fuzzy:
        for start, end in sentence.runs():
            # a typo next to a name may belong to it: "hr polcy bot" is not HR + "polcy bot"
            for first, last, _ in found.names:
                if last == start:
                    start = first
                if first == end:
                    end = last
            pieces = _cover(sentence, vocabulary, start, end)
            if pieces is None:
                continue
            found.names[:] = [n for n in found.names if n[1] <= start or n[0] >= end]
            for first, last, match in pieces:
                found.names.append((first, last, match))
                sentence.consume(first, last)
        return
    n = len(sentence.low)
    for size in range(min(_MAX_NAME_WORDS, n), 0, -1):
        for start in range(0, n - size + 1):
            if not sentence.free(start, start + size):
                continue
            match = vocabulary.match(
                [key(w) for w in sentence.low[start : start + size]],
                sentence.written[start : start + size],
                fuzzy=False,
            )
            if match is not None:
                found.names.append((start, start + size, match))
                sentence.consume(start, start + size)


def _cover(
    sentence: Sentence, vocabulary: Vocabulary, start: int, end: int
) -> list[tuple[int, int, Match]] | None:
    """A free stretch read as names with typos: the fewest pieces, then the fewest edits."""
    best: dict[int, tuple[int, int, list[tuple[int, int, Match]]]] = {start: (0, 0, [])}
    for i in range(start, end):
        if i not in best:
            continue
        pieces, edits, path = best[i]
        for j in range(i + 1, min(end, i + _MAX_NAME_WORDS) + 1):
            keys = [key(w) for w in sentence.low[i:j]]
            match = vocabulary.match(keys, sentence.written[i:j], fuzzy=False) or vocabulary.match(
                keys, sentence.written[i:j], fuzzy=True
            )
            if match is None:
                continue
            candidate = (pieces + 1, edits + match.distance, [*path, (i, j, match)])
            if j not in best or candidate[:2] < best[j][:2]:
                best[j] = candidate
    return best[end][2] if end in best else None


def _correct_typos(sentence: Sentence, vocabulary: Vocabulary) -> None:
    """'spned' -> 'spend', 'forcast' -> 'forecast', 'teh' -> 'the': the nearest word of the
    grammar with the same first letter, within one edit (two from eight letters); never a
    word that may be a typo of a name ('suport' stays for the name matcher)."""
    for i, word in enumerate(sentence.low):
        if sentence.used[i] or len(word) < 3 or not word.isalpha():
            continue
        if word in lx.FILLER or word in lx.NEVER_CORRECTED or key(word) in COMMON:
            continue
        if vocabulary.knows_token(key(word)):
            continue
        if key(word) in lx.GENERIC | lx.WEAK_GENERIC:
            continue
        choices = _TYPO_TARGETS.get(word[0], ())
        hits = process.extract(word, choices, scorer=OSA.distance, score_cutoff=2, limit=None)
        hits = [h for h in hits if h[1] <= (1 if len(h[0]) < 8 else 2)]
        if not hits:
            continue
        target = min(hits, key=lambda h: (h[1], Indel.distance(word, h[0]), h[2]))[0]
        near = vocabulary.near_token(key(word), int(OSA.distance(word, target)))
        if near is not None and near != key(target):
            continue
        sentence.low[i] = target
