"""BACS output: Standard 18 payment records and a bank-upload CSV with configurable columns.

The Standard 18 data record is 100 characters (106 with a processing day); the layout follows domain-notes
("BACS Standard 18"). A full submission (VOL1/HDR1/UHL1 labels, contra and trailer records) needs a Service User
Number and Bacs-approved software, so it stays with the bank or bureau: these are the data records it takes.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

#: transaction code of a credit to the destination account
CREDIT = "99"
#: the characters BACS allows in text fields
_NOT_ALLOWED = re.compile(r"[^A-Z0-9.&/\- ]")
#: amounts are 11 digits of pence
MAX_AMOUNT = 99_999_999_999
RECORD_LENGTH = 100
#: bureau software reads one record per line
LINE_END = "\r\n"


class BacsError(ValueError):
    """A payment that cannot be written as a BACS record, e.g. a sort code that is not 6 digits."""


@dataclass(frozen=True)
class Payment:
    """One credit to one account: who, where, how much (in pence), and the reference they will see."""

    sort_code: str
    account_number: str
    account_name: str
    amount_pence: int
    reference: str
    #: who is paid, for the CSV's own columns (not written in the Standard 18 record)
    payee: str = ""


@dataclass(frozen=True)
class Originator:
    """The provider's own account that the payments come from."""

    sort_code: str
    account_number: str
    name: str


def bacs_text(value: str, width: int) -> str:
    """Text as BACS accepts it: upper case, A-Z 0-9 . & / - and space only, cut or padded to ``width``."""
    text = unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode("ascii").upper()
    text = text.replace("'", "").replace("’", "")
    text = _NOT_ALLOWED.sub(" ", text)
    text = re.sub(r" {2,}", " ", text).strip()
    return text[:width].ljust(width)


def _digits(value: str, width: int, what: str) -> str:
    if not re.fullmatch(rf"\d{{{width}}}", value or ""):
        raise BacsError(f"The {what} must be {width} digits, not {value!r}.")
    return value


def processing_day(day: date) -> str:
    """The processing day field of a multi-day file: a space, the year's last two digits, the day of the year."""
    return f" {day:%y}{day.timetuple().tm_yday:03d}"


def standard18_record(payment: Payment, originator: Originator, *, transaction_code: str = CREDIT,
                      day: date | None = None) -> str:
    """One Standard 18 data record: 100 characters, or 106 with the processing day."""
    if not 0 < payment.amount_pence <= MAX_AMOUNT:
        raise BacsError(f"A BACS payment must be between 1p and £999,999,999.99, not {payment.amount_pence}p.")
    record = "".join((
        _digits(payment.sort_code, 6, "destination sort code"),
        _digits(payment.account_number, 8, "destination account number"),
        "0",
        transaction_code,
        _digits(originator.sort_code, 6, "originating sort code"),
        _digits(originator.account_number, 8, "originating account number"),
        " " * 4,
        f"{payment.amount_pence:011d}",
        bacs_text(originator.name, 18),
        bacs_text(payment.reference, 18),
        bacs_text(payment.account_name, 18),
    ))
    assert len(record) == RECORD_LENGTH
    return record + (processing_day(day) if day else "")


def standard18_file(payments: Iterable[Payment], originator: Originator, *, day: date | None = None) -> bytes:
    """The data records of a credit file, one per line, in ASCII."""
    lines = [standard18_record(payment, originator, day=day) for payment in payments]
    return "".join(line + LINE_END for line in lines).encode("ascii")


#: the columns a bank-upload CSV can have, and their headings
CSV_COLUMNS: dict[str, str] = {
    "sort_code": "Sort code",
    "sort_code_dashed": "Sort code",
    "account_number": "Account number",
    "account_name": "Account name",
    "amount": "Amount",
    "amount_pence": "Amount (pence)",
    "reference": "Reference",
    "payee": "Payee",
    "payment_date": "Payment date",
}
DEFAULT_CSV_COLUMNS = ("sort_code", "account_number", "account_name", "amount", "reference")


def check_csv_columns(columns: Sequence[str]) -> None:
    """Refuse an empty or unknown column list, naming what is allowed."""
    unknown = [column for column in columns if column not in CSV_COLUMNS]
    if not columns or unknown:
        raise BacsError(f"Unknown bank CSV column {', '.join(unknown) or '(none given)'}: use "
                        f"{', '.join(CSV_COLUMNS)}.")


def _cell(payment: Payment, column: str, payment_date: date | None) -> str:
    match column:
        case "sort_code":
            return payment.sort_code
        case "sort_code_dashed":
            return f"{payment.sort_code[0:2]}-{payment.sort_code[2:4]}-{payment.sort_code[4:6]}"
        case "account_number":
            return payment.account_number
        case "account_name":
            return bacs_text(payment.account_name, 18).rstrip()
        case "amount":
            return f"{payment.amount_pence // 100}.{payment.amount_pence % 100:02d}"
        case "amount_pence":
            return str(payment.amount_pence)
        case "reference":
            return bacs_text(payment.reference, 18).rstrip()
        case "payee":
            # free text from a person's record: never let a spreadsheet read it as a formula
            text = payment.payee
            return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
        case "payment_date":
            return payment_date.strftime("%d/%m/%Y") if payment_date else ""
    raise BacsError(f"Unknown bank CSV column {column}.")


def bank_csv(payments: Iterable[Payment], columns: Sequence[str] = DEFAULT_CSV_COLUMNS, *, header: bool = True,
             payment_date: date | None = None) -> bytes:
    """A bank-upload CSV: one row per payment in the chosen columns, text cleaned as for BACS, amounts in pounds."""
    check_csv_columns(columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=LINE_END)
    if header:
        writer.writerow([CSV_COLUMNS[column] for column in columns])
    for payment in payments:
        _digits(payment.sort_code, 6, "sort code")
        _digits(payment.account_number, 8, "account number")
        writer.writerow([_cell(payment, column, payment_date) for column in columns])
    return out.getvalue().encode("utf-8")
