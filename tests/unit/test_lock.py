"""The environment the tests run in is the one requirements.txt describes."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

LOCK = Path(__file__).resolve().parents[2] / "requirements.txt"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in LOCK.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"requirements.txt: {line!r} is not an exact pin"
            pins[_canonical(name)] = version.strip()
    return pins


def test_every_installed_locked_package_has_its_locked_version() -> None:
    pins = _locked()
    drift = {}
    for dist in metadata.distributions():
        name = _canonical(dist.metadata["Name"])
        if name in pins and dist.version != pins[name]:
            drift[name] = (dist.version, pins[name])
    assert not drift, f"installed versions differ from requirements.txt: {drift}"


def test_every_dependency_of_ordex_and_its_tests_is_locked() -> None:
    pins = _locked()
    requires = metadata.requires("ordex") or []
    names = {_canonical(re.split(r"[\s;<>=!~\[(]", r, maxsplit=1)[0]) for r in requires
             if "extra ==" not in r or 'extra == "test"' in r}
    missing = sorted(n for n in names if n not in pins)
    assert not missing, f"not in requirements.txt (run make lock): {missing}"
