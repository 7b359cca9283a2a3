"""Exact money: parsing, micro-units and formatting. Never a float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache

from babel.numbers import format_currency, get_currency_precision, get_currency_symbol

from workflows.core.errors import MoneyError  # raised here; imported from here too

MICROS = 1_000_000
# No amount a person types is this large; micro-units of one fit a BIGINT with room to add.
MAX_AMOUNT = Decimal(10**12)
# ASCII digits only: Decimal() would also take NaN, Infinity, 1_000 and non-ASCII digits.
_AMOUNT = re.compile(r"^(?P<sign>-)?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?$")
_SYMBOLS = "$€£¥₹₩₽¢"


def parse_amount(
    text: str, *, allow_negative: bool = False, places: int = 6, currency: str = "USD"
) -> Decimal:
    """Parse '12,340.50', '$1200' or '0.002' into an exact Decimal.

    A leading currency symbol is allowed only if it is the workspace currency's: "€5" in
    a USD workspace is a mistake to point out, not 5 dollars.
    """
    cleaned = text.strip()
    sign = ""
    if cleaned[:1] == "-":
        sign, cleaned = "-", cleaned[1:]
    symbol = _symbol(currency)
    if cleaned.startswith(symbol):
        cleaned = cleaned[len(symbol) :]
    elif cleaned[:1] in _SYMBOLS:
        raise MoneyError("wrong_currency", text)
    cleaned = sign + cleaned
    match = _AMOUNT.match(cleaned) if cleaned.isascii() else None
    if not match:
        raise MoneyError("not_a_number", text)
    if match["sign"] and not allow_negative:
        raise MoneyError("negative", text)
    if match["frac"] and len(match["frac"]) > places:
        raise MoneyError("too_precise", text)
    amount = Decimal(cleaned.replace(",", ""))
    if abs(amount) >= MAX_AMOUNT:
        raise MoneyError("too_big", text)
    return amount


@cache
def _symbol(currency: str) -> str:
    return get_currency_symbol(currency, locale="en_US")


def to_micros(amount: Decimal) -> int:
    """Decimal currency units to integer micro-units (exact for up to 6 places)."""
    micros = amount * MICROS
    if micros != micros.to_integral_value():
        raise MoneyError("too_precise", str(amount))
    return int(micros)


def from_micros(micros: int) -> Decimal:
    return Decimal(micros) / MICROS


@cache
def _precision(currency: str) -> int:
    return get_currency_precision(currency)


def format_money(
    amount: Decimal | int | None,
    currency: str = "USD",
    *,
    micros: bool = False,
    exact: bool = False,
) -> str:
    """'$12,340.50' the way people write it.

    Amounts are shown to the cent (the currency's minor unit), except amounts below one
    cent, which keep their digits: a unit price of $0.002 must not read $0.00. `exact`
    keeps every digit (up to micro-units) whatever the size.
    """
    if amount is None:
        return ""
    value = from_micros(amount) if micros else Decimal(amount)
    digits = _precision(currency)
    minor = Decimal(1).scaleb(-digits)
    if exact or (value and abs(value) < minor):
        exponent = value.normalize().as_tuple().exponent
        places = max(digits, -exponent) if isinstance(exponent, int) else digits
    else:
        value, places = value.quantize(minor, rounding=ROUND_HALF_EVEN), digits
    fmt = "¤#,##0" + ("." + "0" * min(places, 6) if places else "")
    return format_currency(value, currency, format=fmt, locale="en_US", currency_digits=False)
