"""Sort code and account number checks: the format is a rule, Vocalink's modulus check only a warning."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from uk_modulus_check import SortCodeSubstitutionTable, UKModulusChecker, WeightTable

DATA = Path(__file__).parent / "data"

_SEPARATORS = re.compile(r"[\s-]")


class BankDetailsError(ValueError):
    """A sort code or account number that cannot be right whatever the bank, naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class BankDetails:
    """A checked sort code and account number, and a warning if Vocalink's modulus check fails."""

    sort_code: str
    account_number: str
    warning: str | None = None

    @property
    def sort_code_display(self) -> str:
        return f"{self.sort_code[0:2]}-{self.sort_code[2:4]}-{self.sort_code[4:6]}"


def normalise_sort_code(value: str | None) -> str:
    """Six digits from what someone typed (spaces and dashes allowed), or BankDetailsError."""
    cleaned = _SEPARATORS.sub("", value or "")
    if not cleaned:
        raise BankDetailsError("sort_code", "Enter a sort code")
    if not re.fullmatch(r"\d{6}", cleaned):
        raise BankDetailsError("sort_code", "Enter a valid sort code like 30-94-57, which must be 6 digits")
    return cleaned


def normalise_account_number(value: str | None) -> str:
    """Eight digits from what someone typed (spaces allowed), or BankDetailsError."""
    cleaned = _SEPARATORS.sub("", value or "")
    if not cleaned:
        raise BankDetailsError("account_number", "Enter an account number")
    if not re.fullmatch(r"\d{8}", cleaned):
        raise BankDetailsError("account_number", "Enter a valid account number like 00733445, which must be 8 digits")
    return cleaned


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="ascii").splitlines() if line.strip()]


@lru_cache(maxsize=4)
def load_tables(weights: Path = DATA / "valacdos.txt", substitutions: Path = DATA / "scsubtab.txt") -> UKModulusChecker:
    """A modulus checker over Vocalink's tables (by default the copies in data/; replace them when Vocalink does)."""
    weight_table = WeightTable()
    weight_table.reload(_lines(Path(weights)))
    substitution_table = SortCodeSubstitutionTable()
    substitution_table.reload(_lines(Path(substitutions)))
    return UKModulusChecker(weight_table, substitution_table)


def modulus_warning(sort_code: str, account_number: str, checker: UKModulusChecker | None = None) -> str | None:
    """A warning when the account number fails Vocalink's check for the sort code; None when it passes or is unknown."""
    result = (checker or load_tables()).validate(int(sort_code), int(account_number))
    if result.result:
        return None
    return ("The account number does not pass the bank's check for this sort code: check both with the service "
            "user before paying by BACS")


def check(sort_code: str | None, account_number: str | None) -> BankDetails:
    """Check the format of both (raising BankDetailsError), then the modulus (as a warning)."""
    sort_code = normalise_sort_code(sort_code)
    account_number = normalise_account_number(account_number)
    return BankDetails(sort_code, account_number, modulus_warning(sort_code, account_number))
