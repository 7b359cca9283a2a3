"""The names a question may mention, and how forgivingly they are matched.

Built by the caller from the database (`Vocabulary(initiatives=..., aliases=..., ...)`); the
parser only reads it. Matching, most exact first:

- a name or alias as written, in any case, singular or plural ("Customer Support
  Assistants", "invoice-extraction"; "gpt 4o" / "gpt4o" / "GPT-4o");
- an initiative's name without generic words ("customer support" for "Customer Support
  Assistant"), its acronym of three letters or more ("CSA"), or part of its name: two words
  or more in order ("copy writer"), or one word with a generic word after it ("support
  bot", "the invoice tool"); a part that fits several initiatives is ambiguous;
- typos: whole names within one edit (two from 16 letters), never for names under four
  letters nor for common words.

A name that is also a common word of questions ("Data", "IT") only matches when written
with the same capitals.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations, pairwise
from threading import Event, Lock
from types import MappingProxyType
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from workflows.core.periods import MONTH_NAMES
from workflows.questions import lexicon
from workflows.questions.text import key, name_forms, words

KINDS = ("initiative", "department", "provider", "model", "use_case", "cost_center")
_KIND_RANK = {kind: i for i, kind in enumerate(KINDS)}
_MAX_PART_WORDS = 6
SUGGEST_CUTOFF = 70


def _pattern_words() -> set[str]:
    """Every word the grammar knows (taken from the lexicon's patterns and lists)."""
    found: set[str] = set()
    skip = ("FILLER", "LEAD_WORDS", "GENERIC", "WEAK_GENERIC")
    for name, value in vars(lexicon).items():
        if name in skip or name.startswith("_"):
            continue
        texts: list[str] = []
        if isinstance(value, str):
            texts = [value]
        elif isinstance(value, dict):
            texts = [str(v) for v in value.values()] + [str(k) for k in value]
        elif isinstance(value, frozenset | tuple):
            texts = [str(v) for v in value]
        for text in texts:
            found.update(re.findall(r"[a-z]{2,}", text))
    return found


COMMON_WORDS = frozenset(_pattern_words() | lexicon.FILLER | set(MONTH_NAMES))  # as written
GRAMMAR = frozenset({key(w) for w in _pattern_words() | set(MONTH_NAMES)})
COMMON = frozenset(
    {key(w) for w in _pattern_words() | lexicon.FILLER | set(MONTH_NAMES)}
    | {"data", "other", "it", "live", "q1", "q2", "q3", "q4", "h1", "h2", "fy"}
)


def budget(length: int) -> int:
    """Edits allowed in a name of this many characters."""
    return 0 if length < 4 else 1 if length < 16 else 2


@dataclass(frozen=True)
class Entry:
    kind: str
    name: str  # canonical
    quality: int  # 0: name or alias; 1: name without generic words, acronym; 2: part of a name
    needs_generic: bool = False  # a one-word part: only with "bot", "assistant"... after it
    # made of question words only ("Data", "Budget Forecaster"): must be written so (see
    # `_written_as`)
    exact: str | None = None


@dataclass(frozen=True)
class Match:
    """What some words of a question name; several names when equally good (ambiguous)."""

    kind: str
    names: tuple[str, ...]
    distance: int = 0

    @property
    def ambiguous(self) -> bool:
        return len(self.names) > 1


@dataclass
class _Index:
    entries: dict[str, list[Entry]] = field(default_factory=dict)
    fuzzy_keys: list[str] = field(default_factory=list)
    acronyms: set[str] = field(default_factory=set)  # never matched with typos
    seen: set[tuple[str, Entry]] = field(default_factory=set)
    suggest: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> text -> name
    tokens: set[str] = field(default_factory=set)
    outcome_words: set[str] = field(default_factory=set)
    # a distinctive word of an outcome unit -> the units it names ("invoice" -> "invoice
    # processed"); verbs such as "processed" are not distinctive
    unit_keys: dict[str, set[str]] = field(default_factory=dict)
    token_list: list[str] | None = None

    def add(self, form: tuple[str, ...], entry: Entry) -> None:
        text = " ".join(form)
        if (text, entry) in self.seen:
            return
        self.seen.add((text, entry))
        bucket = self.entries.setdefault(text, [])
        if not bucket and entry.exact is None and len(text.replace(" ", "")) >= 4:
            self.fuzzy_keys.append(text)
        bucket.append(entry)
        self.tokens.update(form)
        if entry.kind == "initiative" or entry.quality < 2:
            self.suggest.setdefault(entry.kind, {}).setdefault(text, entry.name)


def _distinctive(form: Sequence[str], common: frozenset[str] | None = None) -> bool:
    """Not made of question words only ('call summary' is a name; 'budget use' is not)."""
    common = common or (COMMON if len(form) == 1 else GRAMMAR)
    return any(k not in common and not k.isdigit() for k in form)


def _written_as(written: Sequence[str], exact: str) -> bool:
    """Written exactly so: with the same capitals when `exact` is a question word itself
    ("Data", "IT"), else in any case ("budgeting", not "budget", for "Budgeting")."""
    text = " ".join(written)
    if " " not in exact and exact.casefold() in COMMON_WORDS:
        return text == exact
    return text.casefold() == exact.casefold()


def _add_name(index: _Index, kind: str, name: str, written: str) -> None:
    """A name (or alias) as written, in every form it may be typed."""
    original = [w for w in words(written) if key(w)]
    for form in name_forms(written):
        exact = None
        if not _distinctive(form, COMMON):
            exact = " ".join(original)
        index.add(form, Entry(kind, name, 0, exact=exact))


def _add_derived(index: _Index, name: str, written: str) -> None:
    """An initiative's forgiving forms: without generic words, acronym, parts."""
    base = [k for k in (key(w) for w in words(written)) if k]
    skip = lexicon.GENERIC | lexicon.WEAK_GENERIC | lexicon.LEAD_WORDS
    core = tuple(k for k in base if k not in skip)
    if core and core != tuple(base) and _distinctive(core):
        index.add(core, Entry("initiative", name, 1))
    letters = "".join(w[0] for w in words(written) if w[:1].isalpha()).lower()
    if len(letters) >= 3 and letters not in COMMON:
        index.add((letters,), Entry("initiative", name, 1))
        index.acronyms.add(letters)
    part_of = core[:_MAX_PART_WORDS]
    for size in range(1, len(part_of)):
        for part in combinations(part_of, size):
            if _distinctive(part):
                index.add(part, Entry("initiative", name, 2, needs_generic=size == 1))
    written_core = [w for w in words(written) if key(w) and key(w) not in skip]
    for first, second in pairwise(written_core):  # "copywriter": Copy Writer
        joined = (key(first + second),)
        if _distinctive(joined):
            index.add(joined, Entry("initiative", name, 2))


def _parts(name: str) -> set[str]:
    """The words of a name of two or more words ("azure", "openai" of Azure OpenAI)."""
    keys = [k for k in (key(w) for w in words(name)) if k]
    return set(keys) if len(keys) > 1 else set()


def _add_unique_words(
    index: _Index, kind: str, names: Sequence[str], words_of: Callable[[str], set[str]]
) -> None:
    """A word found in exactly one name of this kind names it, weakly: "azure" for Azure
    OpenAI among providers, "claude" for the one claude model."""
    holders: dict[str, set[str]] = {}
    for name in names:
        for k in words_of(name):
            holders.setdefault(k, set()).add(name)
    for k, held in holders.items():
        if len(held) == 1 and _distinctive((k,)):
            index.add((k,), Entry(kind, next(iter(held)), 2))


def _build(vocabulary: Vocabulary) -> _Index:
    index = _Index()
    for kind, names in (
        ("initiative", vocabulary.initiatives),
        ("department", vocabulary.departments),
        ("provider", vocabulary.providers),
        ("model", vocabulary.models),
        ("use_case", vocabulary.use_cases),
        ("cost_center", vocabulary.cost_centers),
    ):
        for name in names:
            _add_name(index, kind, name, name)
    for alias, target in vocabulary.aliases.items():
        _add_name(index, "initiative", target, alias)
    for name in vocabulary.initiatives:
        _add_derived(index, name, name)
    for alias, target in vocabulary.aliases.items():
        _add_derived(index, target, alias)

    for kind, names in (("provider", vocabulary.providers), ("model", vocabulary.models)):
        _add_unique_words(index, kind, names, _parts)
    for unit in vocabulary.outcome_units:
        index.outcome_words.update(k for k in (key(w) for w in words(unit)) if k)
        for word in words(unit):
            k = key(word)
            if k and word.lower() not in lexicon.FILLER and key(word) not in lexicon.FILLER:
                index.unit_keys.setdefault(k, set()).add(unit)
    index.outcome_words.update(lexicon.OUTCOME_NOUNS)
    index.fuzzy_keys = [k for k in index.fuzzy_keys if k not in index.acronyms]
    index.seen.clear()
    return index


def _names(values: Any) -> tuple[str, ...]:
    if isinstance(values, str):
        values = [values]
    return tuple(dict.fromkeys(v.strip() for v in values or () if v and v.strip()))


# The same names give the same index: building one for 10,000 initiatives takes ~0.5 s, so
# a caller that builds a Vocabulary per question from the database only pays it on change.
_CACHE: OrderedDict[tuple[Any, ...], _Index] = OrderedDict()
_CACHE_SIZE = 4
_CACHE_LOCK = Lock()
_BUILDING: dict[tuple[Any, ...], Event] = {}  # builds under way, by content


def _cached_index(vocabulary: Vocabulary) -> _Index:
    """The index for these names, built once: a second thread asking for the same names
    while the first builds them waits for that build instead of doing it again (a warm-up
    after start and the first question do not race)."""
    content = vocabulary._content()
    with _CACHE_LOCK:
        index = _CACHE.get(content)
        if index is not None:
            _CACHE.move_to_end(content)
            return index
        building = _BUILDING.get(content)
        mine = building is None
        if mine:
            building = _BUILDING[content] = Event()
    if not mine:
        building.wait()
        with _CACHE_LOCK:
            if content in _CACHE:
                return _CACHE[content]
        return _build(vocabulary)  # the other build failed: do it here
    try:
        index = _build(vocabulary)
        with _CACHE_LOCK:
            _CACHE[content] = index
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
        return index
    finally:
        with _CACHE_LOCK:
            del _BUILDING[content]
        building.set()


@dataclass(frozen=True)
class Vocabulary:
    """Canonical names from the inventory (plus aliases: alias -> initiative name)."""

    initiatives: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)
    departments: tuple[str, ...] = ()
    cost_centers: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    use_cases: tuple[str, ...] = ()
    outcome_units: tuple[str, ...] = ()  # "ticket resolved": "how many tickets", "tickets"
    _index: _Index = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        for name in (
            "initiatives",
            "departments",
            "cost_centers",
            "providers",
            "models",
            "use_cases",
            "outcome_units",
        ):
            object.__setattr__(self, name, _names(getattr(self, name)))
        by_key = {" ".join(key(w) for w in words(n)): n for n in self.initiatives}
        aliases = {}
        for alias, target in dict(self.aliases or {}).items():
            if alias and alias.strip() and target:
                aliases[alias.strip()] = by_key.get(" ".join(key(w) for w in words(target)), target)
        object.__setattr__(self, "aliases", MappingProxyType(aliases))
        object.__setattr__(self, "_index", _cached_index(self))

    def _content(self) -> tuple[Any, ...]:
        return (
            self.initiatives,
            tuple(sorted(self.aliases.items())),
            self.departments,
            self.cost_centers,
            self.providers,
            self.models,
            self.use_cases,
            self.outcome_units,
        )

    def __hash__(self) -> int:
        return hash(self._content())

    # ---- used by the parser --------------------------------------------------------
    def knows_token(self, token_key: str) -> bool:
        """True when some name contains this word."""
        return token_key in self._index.tokens

    def near_token(self, token_key: str, distance: int) -> str | None:
        """A word of some name within `distance` edits of this one, if any."""
        index = self._index
        if index.token_list is None:
            index.token_list = sorted(t for t in index.tokens if len(t) >= 3)
        hit = process.extractOne(
            token_key, index.token_list, scorer=OSA.distance, score_cutoff=max(distance, 1)
        )
        return None if hit is None else hit[0]

    def is_outcome_word(self, token_key: str) -> bool:
        return token_key in self._index.outcome_words

    def units_named(self, token_key: str) -> set[str]:
        """The outcome units this word names ("invoices" -> {"invoice processed"})."""
        return self._index.unit_keys.get(token_key, set())

    def match(self, keys: Sequence[str], written: Sequence[str], *, fuzzy: bool) -> Match | None:
        """What these words name, if anything (fuzzy: allowing typos)."""
        keys, written = list(keys), list(written)
        while keys and keys[0] in lexicon.LEAD_WORDS | {"ai"}:
            keys, written = keys[1:], written[1:]
        if not keys:
            return None
        found = self._candidates(keys, written, fuzzy=fuzzy, generic=False)
        if found:
            return found
        core, strong = keys, False
        while core and core[-1] in lexicon.GENERIC | lexicon.WEAK_GENERIC:
            strong = strong or core[-1] in lexicon.GENERIC
            core = core[:-1]
        if not core or len(core) == len(keys):
            return None
        cwritten = written[: len(core)]
        if not strong and self._candidates(core, cwritten, fuzzy=fuzzy, generic=False):
            return None  # "marketing initiatives": the department, not a part of a name
        return self._candidates(
            core, cwritten, fuzzy=fuzzy, generic=True, kinds=frozenset({"initiative"})
        )

    def _candidates(
        self,
        keys: Sequence[str],
        written: Sequence[str],
        *,
        fuzzy: bool,
        generic: bool,
        kinds: frozenset[str] | None = None,
    ) -> Match | None:
        text = " ".join(keys)
        index = self._index
        if fuzzy:
            allowed = budget(len(text.replace(" ", "")))
            if not allowed or not _distinctive(keys):
                return None
            hits = process.extract(
                text, index.fuzzy_keys, scorer=OSA.distance, score_cutoff=allowed, limit=None
            )
            pairs = [(k, int(d)) for k, d, _ in hits if d <= budget(len(k.replace(" ", "")))]
        else:
            pairs = [(text, 0)] if text in index.entries else []
        scored: list[tuple[int, int, int, Entry]] = []
        for form, distance in pairs:
            for entry in index.entries[form]:
                if kinds and entry.kind not in kinds:
                    continue
                if entry.needs_generic and not generic:
                    continue
                if entry.exact is not None and not _written_as(written, entry.exact):
                    continue
                scored.append((distance, entry.quality, _KIND_RANK[entry.kind], entry))
        if not scored:
            return None
        best = min(s[:3] for s in scored)
        names = sorted({s[3].name for s in scored if s[:3] == best})
        return Match(KINDS[best[2]], tuple(names), best[0])

    def suggest(self, text: str, *, limit: int = 3) -> tuple[str, ...]:
        """'Did you mean' names for text that matched nothing: initiatives first."""
        query = " ".join(k for k in (key(w) for w in words(text)) if k)
        if not query:
            return ()
        for kinds in (("initiative",), KINDS[1:]):
            choices = {t: n for kind in kinds for t, n in self._index.suggest.get(kind, {}).items()}
            hits = process.extract(
                query, list(choices), scorer=fuzz.WRatio, score_cutoff=SUGGEST_CUTOFF, limit=None
            )
            best: dict[str, float] = {}
            for text_form, score, _ in hits:
                name = choices[text_form]
                best[name] = max(best.get(name, 0.0), score)
            if best:
                ranked = sorted(best, key=lambda n: (-best[n], n))
                return tuple(ranked[:limit])
        return ()
