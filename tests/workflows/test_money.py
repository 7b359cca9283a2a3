"""Money properties: parse(format(x)) round-trips, micro sums are exact, and parsing
never accepts what Decimal() would (NaN, Infinity, 1_000, non-ASCII digits)."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.core.money import (
    MICROS,
    MoneyError,
    format_money,
    from_micros,
    parse_amount,
    to_micros,
)

# Decimals with at most 6 places, as micro-units (exact by construction).
amounts = st.integers(min_value=-(10**15), max_value=10**15).map(lambda m: Decimal(m) / MICROS)
non_negative = st.integers(min_value=0, max_value=10**15).map(lambda m: Decimal(m) / MICROS)
ascii_numbers = st.from_regex(r"\A[0-9]{1,9}(\.[0-9]{1,6})?\Z")
NON_ASCII_DIGITS = [
    chr(c)
    for c in range(0x80, 0x10000)
    if unicodedata.category(chr(c)) == "Nd" and unicodedata.digit(chr(c), None) is not None
]


@given(amounts)
def test_parse_of_format_round_trips(amount: Decimal) -> None:
    text = format_money(amount, "USD", exact=True)
    assert parse_amount(text, allow_negative=True) == amount


@given(non_negative)
def test_parse_of_format_without_the_symbol(amount: Decimal) -> None:
    text = format_money(amount, "USD", exact=True).removeprefix("$")
    assert parse_amount(text) == amount


@given(amounts)
def test_micros_round_trip(amount: Decimal) -> None:
    assert from_micros(to_micros(amount)) == amount


@given(st.lists(amounts, max_size=50))
def test_sums_of_micros_are_exact(values: list[Decimal]) -> None:
    total = sum(to_micros(v) for v in values)
    assert isinstance(total, int)
    assert from_micros(total) == sum(values, Decimal(0))
    assert total == to_micros(sum(values, Decimal(0)))


@given(st.lists(st.sampled_from(["0.1", "0.2", "0.000001", "1234.56"]), max_size=200))
def test_float_traps_stay_exact(values: list[str]) -> None:
    micros = sum(to_micros(parse_amount(v)) for v in values)
    assert micros == sum(int(Decimal(v) * MICROS) for v in values)


@given(ascii_numbers, st.integers(min_value=0, max_value=20), st.sampled_from(NON_ASCII_DIGITS))
def test_never_accepts_non_ascii_digits(text: str, at: int, digit: str) -> None:
    pos = min(at, len(text))
    with pytest.raises(MoneyError) as caught:
        parse_amount(text[:pos] + digit + text[pos:])
    assert caught.value.reason == "not_a_number"


@given(st.text(alphabet=NON_ASCII_DIGITS, min_size=1, max_size=8))
def test_never_accepts_numbers_written_only_in_other_scripts(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_amount(text)


@given(
    st.sampled_from(["NaN", "nan", "sNaN", "Infinity", "inf", "-Infinity", "+Inf", "1e3", "0x10"]),
    st.sampled_from(["", "$", " ", "-"]),
)
def test_never_accepts_nan_infinity_or_exponents(word: str, prefix: str) -> None:
    with pytest.raises(MoneyError):
        parse_amount(prefix + word, allow_negative=True)


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=0, max_value=999))
def test_never_accepts_underscores(head: int, tail: int) -> None:
    with pytest.raises(MoneyError):
        parse_amount(f"{head}_{tail:03d}")


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=7, max_value=12))
def test_more_than_six_places_is_too_precise(units: int, places: int) -> None:
    text = f"{units}." + "0" * (places - 1) + "1"
    with pytest.raises(MoneyError) as caught:
        parse_amount(text)
    assert caught.value.reason == "too_precise"


@given(non_negative.filter(lambda d: d > 0))
def test_negative_needs_permission(amount: Decimal) -> None:
    text = "-" + format(amount, "f")
    with pytest.raises(MoneyError) as caught:
        parse_amount(text)
    assert caught.value.reason == "negative"
    assert parse_amount(text, allow_negative=True) == -amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [("$12,340.50", "12340.50"), ("12,340.50", "12340.50"), ("0.002", "0.002"), (" 7 ", "7")],
)
def test_examples(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "1,00", "12,3456", "1.2.3", "١٢٣", "1 000x", "--1"])
def test_rejects(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_amount(text, allow_negative=True)
