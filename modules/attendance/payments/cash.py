"""Cash envelopes: each payment broken into the fewest notes and coins, and the bank order for a whole run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

#: Bank of England notes in use and every coin, in pence, largest first (domain-notes, "Cash")
ALL_DENOMINATIONS = (5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1)
#: what the provider pays out by default: £20, £10 and £5 notes and every coin
DEFAULT_DENOMINATIONS = (2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1)
NOTES = frozenset({5000, 2000, 1000, 500})


class CashError(ValueError):
    """A denomination set that cannot make every amount, or an unknown denomination."""


def check_denominations(denominations: Iterable[int]) -> tuple[int, ...]:
    """The set largest first; it must hold only real notes and coins, and 1p so that every amount can be made."""
    chosen = tuple(sorted(set(denominations), reverse=True))
    unknown = [value for value in chosen if value not in ALL_DENOMINATIONS]
    if unknown:
        raise CashError(f"{', '.join(label(value) for value in unknown)} is not a UK note or coin.")
    if 1 not in chosen:
        raise CashError("The denominations must include the 1p coin, or some amounts cannot be paid exactly.")
    return chosen


def _greedy(amount_pence: int, denominations: Sequence[int]) -> dict[int, int]:
    pieces: dict[int, int] = {}
    remaining = amount_pence
    for value in denominations:
        count, remaining = divmod(remaining, value)
        if count:
            pieces[value] = count
    return pieces


def _fewest_table(limit: int, denominations: Sequence[int]) -> list[int]:
    """For every amount up to ``limit``, the denomination that starts a fewest-pieces breakdown (dynamic programming)."""
    fewest = [0] + [limit + 1] * limit
    first = [0] * (limit + 1)
    for amount in range(1, limit + 1):
        for value in denominations:  # largest first, so ties keep the larger pieces
            if value <= amount and fewest[amount - value] + 1 < fewest[amount]:
                fewest[amount] = fewest[amount - value] + 1
                first[amount] = value
    return first


def _from_table(amount_pence: int, first: list[int]) -> dict[int, int]:
    pieces: dict[int, int] = {}
    while amount_pence:
        value = first[amount_pence]
        pieces[value] = pieces.get(value, 0) + 1
        amount_pence -= value
    return dict(sorted(pieces.items(), reverse=True))


@lru_cache(maxsize=32)
def is_canonical(denominations: tuple[int, ...]) -> bool:
    """Whether taking the largest piece that fits always gives the fewest pieces for this set: by Kozen and Zaks it
    does if it does for every amount below the two largest denominations added together."""
    if len(denominations) < 3:
        return True
    limit = denominations[0] + denominations[1]
    first = _fewest_table(limit, denominations)
    return all(sum(_greedy(amount, denominations).values()) == sum(_from_table(amount, first).values())
               for amount in range(1, limit + 1))


def breakdowns(amounts: Sequence[int], denominations: Sequence[int] = DEFAULT_DENOMINATIONS) -> list[dict[int, int]]:
    """Each amount as the fewest notes and coins of the set, largest first; denominations not used are left out.

    The UK set and most subsets of it are canonical, so taking the largest piece that fits is enough; for a set that is
    not (e.g. 50p, 20p and 1p only, where 60p is three 20p coins), one table of fewest pieces serves every amount.
    """
    chosen = check_denominations(denominations)
    if any(amount < 0 for amount in amounts):
        raise CashError("A cash payment cannot be negative.")
    if is_canonical(chosen):
        return [_greedy(amount, chosen) for amount in amounts]
    first = _fewest_table(max(amounts, default=0), chosen)
    return [_from_table(amount, first) for amount in amounts]


def breakdown(amount_pence: int, denominations: Sequence[int] = DEFAULT_DENOMINATIONS) -> dict[int, int]:
    """One amount as the fewest notes and coins of the set."""
    return breakdowns([amount_pence], denominations)[0]


def bank_order(envelopes: Iterable[dict[int, int]]) -> dict[int, int]:
    """How many of each denomination to order from the bank: the sum over every envelope, largest first."""
    total: Counter[int] = Counter()
    for envelope in envelopes:
        total.update(envelope)
    return {value: total[value] for value in sorted(total, reverse=True) if total[value]}


def label(value: int) -> str:
    """£20, £1, 50p: how a denomination is written."""
    return f"£{value // 100}" if value >= 100 else f"{value}p"


def kind(value: int) -> str:
    return "note" if value in NOTES else "coin"


def parse_denominations(text: str) -> tuple[int, ...]:
    """Read a list such as "£20, £10, 50p, 1p" (or pence, "2000 1000 50 1") into a checked set."""
    values = []
    for part in text.replace(",", " ").split():
        part = part.strip().lower()
        try:
            if part.startswith("£"):
                values.append(int(round(float(part[1:]) * 100)))
            elif part.endswith("p"):
                values.append(int(part[:-1]))
            else:
                values.append(int(part))
        except ValueError:
            raise CashError(f'"{part}" is not a note or coin: write them like £20, £1, 50p.') from None
    if not values:
        raise CashError("Enter at least one note or coin, including 1p.")
    return check_denominations(values)
