"""The environment the tests run in is the one requirements.txt describes."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

LOCK = Path(__file__).resolve().parents[2] / "requirements.txt"
PYLOCK = LOCK.with_name("pylock.toml")
"""The same lock in the standard format (PEP 751), with each file's URL and hash."""


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


def test_the_standard_lock_pins_the_same_versions_each_with_a_hash() -> None:
    packages = tomllib.loads(PYLOCK.read_text())["packages"]
    locked = {_canonical(p["name"]): p.get("version") for p in packages if p["name"] != "ordex"}
    pins = {n: v for n, v in _locked().items() if n != "pip"}  # pip installs, is not locked
    assert locked == pins, "pylock.toml and requirements.txt differ (run make lock)"
    unhashed = sorted(p["name"] for p in packages if p["name"] != "ordex" and not any(
        f.get("hashes", {}).get("sha256") for f in [*p.get("wheels", []), p.get("sdist", {})]))
    assert not unhashed, f"pylock.toml: no sha256 for {unhashed}"
