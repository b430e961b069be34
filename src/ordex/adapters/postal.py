"""The PostalDirectory port backed by the `zipcodes` package (US ZIP codes it ships)."""

from __future__ import annotations

import zipcodes


class ZipcodesDirectory:
    """US ZIP code → state, from the data set inside the maintained `zipcodes` package."""

    def __init__(self) -> None:
        self._state: dict[str, str] | None = None

    def _index(self) -> dict[str, str]:
        if self._state is None:  # loaded on first use, never at import
            self._state = {z["zip_code"]: z["state"] for z in zipcodes.list_all()}
        return self._state

    def covers(self, country: str) -> bool:
        """Only the United States is covered."""
        return country == "US"

    def state_of(self, country: str, postal_code: str) -> str | None:
        """The state of a five-digit ZIP code, or None when it does not exist."""
        if country != "US":
            return None
        return self._index().get(postal_code[:5])

    def zip_codes(self) -> list[tuple[str, str, str]]:
        """Every standard (street-delivery) ZIP code as (zip, city, state); for the simulator."""
        return [(z["zip_code"], z["city"], z["state"]) for z in zipcodes.list_all()
                if z["zip_code_type"] == "STANDARD" and z["active"]]
