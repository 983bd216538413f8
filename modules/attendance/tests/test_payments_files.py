"""BACS Standard 18 records, the bank-upload CSV, cash envelopes and the bank order, checked by hand."""

from __future__ import annotations

from datetime import date

import pytest

from modules.attendance.payments import bacs, cash
from modules.attendance.payments.bacs import Originator, Payment

PROVIDER = Originator(sort_code="402020", account_number="12345678", name="Mill Lane Day Services")
ADA = Payment(sort_code="089999", account_number="66374958", account_name="Ada O'Brien-Smith", amount_pence=3785,
              reference="ATT MAR26 SU42", payee="Ada O'Brien-Smith")
BEN = Payment(sort_code="107999", account_number="88837491", account_name="Ben Nwosu", amount_pence=1500,
              reference="ATT MAR26 SU7", payee="Ben Nwosu")


def test_standard18_record_is_byte_exact():
    record = bacs.standard18_record(ADA, PROVIDER)
    expected = (
        "089999"                  # 1-6 destination sort code
        "66374958"                # 7-14 destination account
        "0"                       # 15
        "99"                      # 16-17 credit
        "402020"                  # 18-23 originating sort code
        "12345678"                # 24-31 originating account
        "    "                    # 32-35 free
        "00000003785"             # 36-46 £37.85 in pence
        "MILL LANE DAY SERV"      # 47-64 originator name, cut to 18
        "ATT MAR26 SU42    "      # 65-82 reference, padded to 18
        "ADA OBRIEN-SMITH  "      # 83-100 account name: upper case, apostrophe dropped
    )
    assert record == expected
    assert len(record) == 100
    assert record[35:46] == "00000003785"


def test_standard18_file_has_one_crlf_line_per_payment_and_an_optional_processing_day():
    data = bacs.standard18_file([ADA, BEN], PROVIDER, day=date(2026, 4, 2))
    lines = data.split(b"\r\n")
    assert lines[-1] == b"" and len(lines) == 3
    assert all(len(line) == 106 for line in lines[:2])
    # 2 April 2026 is day 092 of the year
    assert lines[0].endswith(b"MILL LANE DAY SERV" + b"ATT MAR26 SU42    " + b"ADA OBRIEN-SMITH  " + b" 26092")
    assert lines[1] == (b"107999" + b"88837491" + b"0" + b"99" + b"402020" + b"12345678" + b"    "
                        + b"00000001500" + b"MILL LANE DAY SERV" + b"ATT MAR26 SU7     " + b"BEN NWOSU         "
                        + b" 26092")


def test_bacs_text_keeps_only_allowed_characters():
    assert bacs.bacs_text("Zoë Ølsen & Co. (care) 5/6", 30) == "ZOE LSEN & CO. CARE 5/6".ljust(30)
    assert bacs.bacs_text("x" * 40, 18) == "X" * 18


@pytest.mark.parametrize(
    ("payment", "message"),
    [
        (Payment("08999", "66374958", "A", 100, "R"), "destination sort code must be 6 digits"),
        (Payment("089999", "6637495", "A", 100, "R"), "destination account number must be 8 digits"),
        (Payment("089999", "66374958", "A", 0, "R"), "between 1p"),
    ],
)
def test_standard18_refuses_what_a_bank_would_reject(payment, message):
    with pytest.raises(bacs.BacsError, match=message):
        bacs.standard18_record(payment, PROVIDER)


def test_bank_csv_default_columns_amounts_in_pounds():
    data = bacs.bank_csv([ADA, BEN]).decode()
    assert data == (
        "Sort code,Account number,Account name,Amount,Reference\r\n"
        "089999,66374958,ADA OBRIEN-SMITH,37.85,ATT MAR26 SU42\r\n"
        "107999,88837491,BEN NWOSU,15.00,ATT MAR26 SU7\r\n"
    )


def test_bank_csv_configurable_columns_and_formula_guard():
    sneaky = Payment("089999", "66374958", "Eve", 5, "R1", payee="=HYPERLINK(1)")
    data = bacs.bank_csv([sneaky], ("payee", "sort_code_dashed", "amount_pence", "payment_date"), header=False,
                         payment_date=date(2026, 4, 2)).decode()
    assert data == "'=HYPERLINK(1),08-99-99,5,02/04/2026\r\n"
    with pytest.raises(bacs.BacsError, match="Unknown bank CSV column iban"):
        bacs.bank_csv([ADA], ("iban",))


def test_cash_breakdown_fewest_notes_and_coins():
    # £37.85 = £20 + £10 + £5 + £2 + 50p + 20p + 10p + 5p
    assert cash.breakdown(3785) == {2000: 1, 1000: 1, 500: 1, 200: 1, 50: 1, 20: 1, 10: 1, 5: 1}
    # £12.34 = £10 + £2 + 20p + 10p + 2p + 2p
    assert cash.breakdown(1234) == {1000: 1, 200: 1, 20: 1, 10: 1, 2: 2}
    assert cash.breakdown(0) == {}


def test_cash_breakdown_coins_only():
    coins = (200, 100, 50, 20, 10, 5, 2, 1)
    # £37.85 in coins: 18 x £2, £1, 50p, 20p, 10p, 5p
    assert cash.breakdown(3785, coins) == {200: 18, 100: 1, 50: 1, 20: 1, 10: 1, 5: 1}


def test_cash_breakdown_for_a_set_where_largest_first_is_not_fewest():
    # with only 50p, 20p and 1p, 60p is three 20p coins, not 50p and ten 1p coins
    assert not cash.is_canonical((50, 20, 1))
    assert cash.breakdowns([60, 90, 3], (50, 20, 1)) == [{20: 3}, {50: 1, 20: 2}, {1: 3}]
    assert cash.is_canonical(cash.DEFAULT_DENOMINATIONS)


def test_bank_order_for_several_envelopes():
    # three cash recipients: £37.85, £15.00 and £22.50
    envelopes = cash.breakdowns([3785, 1500, 2250])
    assert envelopes == [
        {2000: 1, 1000: 1, 500: 1, 200: 1, 50: 1, 20: 1, 10: 1, 5: 1},
        {1000: 1, 500: 1},
        {2000: 1, 200: 1, 50: 1},
    ]
    order = cash.bank_order(envelopes)
    assert order == {2000: 2, 1000: 2, 500: 2, 200: 2, 50: 2, 20: 1, 10: 1, 5: 1}
    # the order adds up to the run's total of £75.35
    assert sum(value * count for value, count in order.items()) == 3785 + 1500 + 2250 == 7535


def test_denominations_must_be_real_and_include_1p():
    assert cash.parse_denominations("£20, £10, 50p 1p") == (2000, 1000, 50, 1)
    with pytest.raises(cash.CashError, match="1p"):
        cash.parse_denominations("£20 £10")
    with pytest.raises(cash.CashError, match="3p is not a UK note or coin"):
        cash.parse_denominations("3p 1p")
    with pytest.raises(cash.CashError, match="not a note or coin"):
        cash.parse_denominations("twenty")
