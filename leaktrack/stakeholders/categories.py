"""Exposed data categories of a link, stored as bits in the order of vocab.DATA_CATEGORIES."""

from collections.abc import Iterable

from sqlalchemy import ColumnElement

from leaktrack.vocab import DATA_CATEGORIES

BIT = {category: 1 << position for position, category in enumerate(DATA_CATEGORIES)}


def to_bits(categories: Iterable[str]) -> int:
    """The bits of these categories (unknown names raise KeyError)."""
    bits = 0
    for category in categories:
        bits |= BIT[category]
    return bits


def from_bits(bits: int) -> list[str]:
    """The category names set in `bits`, in vocabulary order."""
    return [category for category, bit in BIT.items() if bits & bit]


def any_of(column: ColumnElement, categories: Iterable[str]) -> ColumnElement:
    """SQL: the link exposed at least one of these categories."""
    return column.op("&")(to_bits(categories)) != 0
