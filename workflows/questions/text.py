"""Words of a question (or of a name): Slack formatting undone, split, compared forgivingly.

Questions and the names they mention go through the same `words` and `key`, so that
"gpt-4o", "GPT 4o" and "gpt4o", or "Customer Support Assistants" and "customer support
assistant", compare equal.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from workflows.core.periods import MONTH_NAMES

_SLACK_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_TOKEN = re.compile(r"[^\W_]+(?:[-.&+/'][^\W_]+)*|(?<!\S)[-&](?!\S)")
_CONTRACTIONS = {
    "can't": ["can", "not"],
    "cannot": ["can", "not"],
    "won't": ["will", "not"],
    "let's": ["let", "us"],
}
_SUFFIXES = {"n't": ["not"], "'s": [], "'re": ["are"], "'ve": ["have"], "'ll": ["will"], "'d": []}
_RATIO_LEFT = frozenset({"cost", "costs", "spend", "price", "value", "return"})
_IS_AFTER = frozenset({"what", "that", "it", "there", "who", "where", "how"})


def clean(text: str) -> str:
    """Slack mentions and links undone, HTML entities unescaped, quotes and dashes unified."""
    text = unicodedata.normalize("NFKC", text or "")

    def link(match: re.Match[str]) -> str:
        target, label = match[1], match[2]
        if target.startswith(("@", "#", "!")):
            return " "
        return f" {label or ''} "

    text = _SLACK_LINK.sub(link, text)
    text = html.unescape(text)
    for old, new in (("’", "'"), ("‘", "'"), ("`", " "), ("–", "-"), ("—", "-"), ("−", "-")):
        text = text.replace(old, new)
    text = re.sub(r"(?:per|/)\s*\$", " per dollar ", text)
    return text.replace("_", " ").replace("*", " ").replace("~", " ")


def _split(word: str) -> list[str]:
    """One raw token into words: contractions, letter-letter hyphens and slashes."""
    low = word.lower()
    if low in _CONTRACTIONS:
        return list(_CONTRACTIONS[low])
    for suffix, replacement in _SUFFIXES.items():
        if low.endswith(suffix) and len(low) > len(suffix):
            stem = word[: -len(suffix)]
            if suffix == "'s" and low[: -len(suffix)] in _IS_AFTER:
                return [stem, "is"]
            return [*_split(stem), *replacement]
    word = word.replace("'", "")
    if "/" in word and low not in ("y/y", "q/q", "m/m"):
        left, _, right = word.partition("/")
        middle = ["per"] if left.lower() in _RATIO_LEFT and right.isalpha() else []
        return [*_split(left), *middle, *_split(right)]
    if "-" in word:
        parts = word.split("-")
        if all(p.isalpha() for p in parts):
            if len(parts) == 2 and all(p.lower() in MONTH_NAMES for p in parts):
                return [parts[0], "to", parts[1]]
            return [p for p in parts if p]
    return [word.rstrip(".")] if word.rstrip(".") else []


def words(text: str) -> list[str]:
    """The words of a text, original case kept ('&' alone becomes 'and')."""
    return list(_words(text))


@lru_cache(maxsize=65536)
def _words(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for raw in _TOKEN.findall(clean(text).replace("%", " percent ")):
        if raw == "&":
            out.append("and")
            continue
        out.extend(_split(raw))
    return tuple(out)


def stem(word: str) -> str:
    """A crude singular: 'assistants' -> 'assistant', 'summaries' -> 'summary'."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


_DERIVED = ("ations", "ation", "ions", "ion", "ers", "er", "ors", "or", "ing")


@lru_cache(maxsize=65536)
def key(word: str) -> str:
    """The comparable form of one word: case folded, punctuation dropped, singular, and
    without the endings that make 'extractor', 'extraction' and 'extract' differ."""
    word = stem(re.sub(r"[^0-9a-z]", "", word.casefold()))
    if word.isalpha():
        for suffix in _DERIVED:
            if word.endswith(suffix) and len(word) - len(suffix) >= 5:
                return word[: -len(suffix)]
    return word


def name_forms(name: str) -> list[tuple[str, ...]]:
    """'gpt-4o' -> [('gpt4o',), ('gpt', '4o')]; 'Customer Support' -> [('customer', 'support')]."""
    seen: list[tuple[str, ...]] = []
    as_words = tuple(k for k in (key(w) for w in words(name)) if k)
    split = tuple(k for k in (key(w) for w in re.split(r"[^0-9A-Za-z]+", name)) if k)
    joined = (key("".join(as_words)),) if len(as_words) > 1 else ()
    for form in (as_words, split, joined):
        if form and form not in seen:
            seen.append(form)
    return seen
