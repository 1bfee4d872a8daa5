"""Euros as people type and read them, and as Glas stores them: integer cents.

An official types "12.345,67" in Slovenian and "12,345.67" in English; Babel reads the number
in the visitor's locale, strictly, so that "1.234" is refused where it would be ambiguous
rather than read as 1.234 € or 1,234 €. More than two decimals is refused, not rounded: a
budget line is exact.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, format_currency, format_decimal, parse_decimal
from flask_babel import get_locale

from app.projects.models import MAX_CENTS


class BadAmount(ValueError):
    """Not an amount in euros with at most two decimals."""


class NegativeAmount(BadAmount):
    """An amount below zero: no budget or spending is."""


def parse_euros(text: str, locale: str | None = None) -> int:
    """Cents of an amount typed in ``locale`` (the visitor's by default); ``BadAmount``."""
    raw = text.replace("€", "").replace("\u00a0", " ").strip()
    raw = raw.replace(" ", "")  # a space groups thousands in Slovenian print ("12 345,67")
    # Babel reads "1e5" as 100000 and "NaN" as a number: an amount is written in digits.
    if not raw or len(raw) > 30 or any(c.isalpha() for c in raw):
        raise BadAmount(text)
    try:
        value = parse_decimal(raw, locale=locale or str(get_locale() or "sl"), strict=True)
    except (NumberFormatError, InvalidOperation):
        raise BadAmount(text) from None
    return _cents(value, text)


def parse_plain_euros(text: str) -> int:
    """Cents of an amount in the CSV format: digits, an optional point and two decimals."""
    raw = text.strip()
    if not raw or len(raw) > 30 or not all(c in "0123456789.-" for c in raw):
        raise BadAmount(text)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise BadAmount(text) from None
    return _cents(value, text)


def _cents(value: Decimal, text: str) -> int:
    if not value.is_finite():
        raise BadAmount(text)
    cents = value * 100
    if cents != cents.to_integral_value():
        raise BadAmount(text)  # a fraction of a cent
    number = int(cents)
    if number < 0:
        raise NegativeAmount(text)
    if number > MAX_CENTS:
        raise BadAmount(text)
    return number


def euros(cents: int | None) -> str:
    """An amount in the visitor's way of writing euros: "12.345,67 €" or "€12,345.67"."""
    return str(format_currency(Decimal(cents or 0) / 100, "EUR", locale=str(get_locale() or "sl")))


def plain_euros(cents: int) -> str:
    """An amount as the CSV writes it: "12345.67"."""
    return f"{cents // 100}.{cents % 100:02d}"


def typed_euros(cents: int | None) -> str:
    """An amount as a form shows it to edit, in the visitor's locale, without the sign."""
    if cents is None:
        return ""
    return str(
        format_decimal(Decimal(cents) / 100, format="#,##0.00", locale=str(get_locale() or "sl"))
    )
