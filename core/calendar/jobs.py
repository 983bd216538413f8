"""The weekly job that adds bank holidays announced on GOV.UK (e.g. a one-off) that the offline seed lacks."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from core.calendar import services

GOVUK_URL = "https://www.gov.uk/bank-holidays.json"


def fetch_govuk_feed(timeout: float = 20) -> dict[str, Any]:
    """Download GOV.UK's bank holidays feed."""
    request = urllib.request.Request(GOVUK_URL, headers={"Accept": "application/json", "User-Agent": "PPP"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (a fixed https address)
        return json.load(response)


def refresh_from_govuk() -> dict[str, int]:
    """Add the feed's bank holidays that have no row yet; rows administrators changed are left as they are."""
    return services.refresh_from_govuk(fetch_govuk_feed())
