"""Sort code and account number: the format is refused, a failed modulus check only warns."""

from __future__ import annotations

import pytest

from modules.attendance.payments import bank_details

#: Vocalink's worked examples ("Validating account numbers: UK modulus checking" v8.50, chapter 3)
VOCALINK_VALID = [
    ("089999", "66374958"), ("107999", "88837491"), ("202959", "63748472"), ("871427", "46238510"),
    ("872427", "46238510"), ("871427", "09123496"), ("871427", "99123496"), ("820000", "73688637"),
    ("827999", "73988638"), ("827101", "28748352"), ("134020", "63849203"), ("118765", "64371389"),
    ("200915", "41011166"), ("938611", "07806039"), ("938600", "42368003"), ("938063", "55065200"),
    ("772798", "99345694"), ("086090", "06774744"), ("309070", "02355688"), ("309070", "12345668"),
    ("309070", "12345677"), ("309070", "99345694"), ("074456", "12345112"), ("070116", "34012583"),
    ("074456", "11104102"), ("180002", "00000190"),
]
VOCALINK_INVALID = [
    ("938063", "15764273"), ("938063", "15764264"), ("938063", "15763217"), ("118765", "64371388"),
    ("203099", "66831036"), ("203099", "58716970"), ("089999", "66374959"), ("107999", "88837493"),
]


@pytest.mark.parametrize(("sort_code", "account"), VOCALINK_VALID)
def test_vocalink_valid_examples_give_no_warning(sort_code, account):
    assert bank_details.modulus_warning(sort_code, account) is None


@pytest.mark.parametrize(("sort_code", "account"), VOCALINK_INVALID)
def test_vocalink_invalid_examples_warn(sort_code, account):
    assert "does not pass the bank's check" in bank_details.modulus_warning(sort_code, account)


def test_check_accepts_dashes_and_spaces_and_warns_without_refusing():
    details = bank_details.check("08-99-99", "6637 4959")
    assert (details.sort_code, details.account_number) == ("089999", "66374959")
    assert details.sort_code_display == "08-99-99"
    assert details.warning is not None
    assert bank_details.check("089999", "66374958").warning is None


@pytest.mark.parametrize(
    ("sort_code", "account", "field", "message"),
    [
        ("", "66374958", "sort_code", "Enter a sort code"),
        ("08999", "66374958", "sort_code", "must be 6 digits"),
        ("08a999", "66374958", "sort_code", "must be 6 digits"),
        ("089999", "", "account_number", "Enter an account number"),
        ("089999", "123456789", "account_number", "must be 8 digits"),
    ],
)
def test_check_refuses_bad_formats_naming_the_field(sort_code, account, field, message):
    with pytest.raises(bank_details.BankDetailsError, match=message) as caught:
        bank_details.check(sort_code, account)
    assert caught.value.field == field


def test_an_unknown_sort_code_gives_no_warning():
    # 000000 is in no range of Vocalink's table, so the check cannot say anything
    assert bank_details.modulus_warning("000000", "12345678") is None
