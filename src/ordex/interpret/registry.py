"""The registry: every exception code's registration, found by scanning the detectors package.

A module of `ordex.interpret.detectors` that exposes `PLUGIN` (an `ExceptionType`) registers
its code; nothing lists the modules, so a new code is a new module (docs/extending.md).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ordex.domain.codes import ExceptionCode, Queue
from ordex.domain.errors import ConfigurationError
from ordex.domain.findings import Finding
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext
from ordex.interpret.exception_type import Detector, ExceptionType, Reviewer
from ordex.interpret.settings import TYPED, Setting

__all__ = ["PLUGINS", "REGISTRY", "Detector", "Reviewer", "codes_reevaluated_by", "detect",
           "detectors_for", "discover", "exception_type", "option_values", "owner_queue",
           "plugin_settings"]

PACKAGE = "ordex.interpret.detectors"


def discover(package: str = PACKAGE) -> dict[ExceptionCode, ExceptionType]:
    """The registrations of a package's modules, in the order their detectors run."""
    found: dict[ExceptionCode, ExceptionType] = {}
    root = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        plugin = getattr(importlib.import_module(f"{package}.{info.name}"), "PLUGIN", None)
        if not isinstance(plugin, ExceptionType):
            continue
        if plugin.code in found:
            raise ConfigurationError(f"{plugin.code.value} is registered twice "
                                     f"(again in {package}.{info.name})", code=plugin.code.value)
        found[plugin.code] = plugin
    return dict(sorted(found.items(), key=lambda kv: (kv[1].rank, kv[0].value)))


PLUGINS: dict[ExceptionCode, ExceptionType] = discover()
"""Every code's registration, in the order the detectors run."""
REGISTRY: dict[ExceptionCode, Detector] = {
    code: kind.detector for code, kind in PLUGINS.items() if kind.detector is not None}
"""The detectors, in the order they run."""


def exception_type(code: ExceptionCode) -> ExceptionType:
    """The registration of a code."""
    return PLUGINS[code]


def owner_queue(code: ExceptionCode) -> Queue:
    """The queue that owns a code's cases unless routing says otherwise."""
    return PLUGINS[code].queue


def codes_reevaluated_by(event: type) -> tuple[ExceptionCode, ...]:
    """The codes a context event re-judges, in detector order."""
    return tuple(code for code, kind in PLUGINS.items() if event in kind.reevaluated_by)


def detectors_for(enabled: Sequence[str]) -> list[Detector]:
    """The registered detectors named in configuration, in registry order."""
    unknown = [name for name in enabled if name not in REGISTRY]
    if unknown:
        raise ConfigurationError(f"unknown detector(s) in configuration: {', '.join(unknown)}",
                                 unknown=unknown)
    wanted = set(enabled)
    return [d for code, d in REGISTRY.items() if code.value in wanted]


def detect(order: Order, ctx: DetectionContext, detectors: Sequence[Detector]) -> list[Finding]:
    """Run every detector over the order, then the reviewers over what they found."""
    findings: list[Finding] = []
    for detector in detectors:
        findings.extend(detector.evaluate(order, ctx))
    for detector in detectors:
        review = getattr(detector, "review", None)  # a Reviewer; cheaper than isinstance
        if review is not None:
            findings.extend(review(order, ctx, tuple(findings)))
    return findings


def plugin_settings() -> dict[str, Setting]:
    """The settings plug-in codes declare beyond the typed thresholds, by key."""
    return {s.key: s for kind in PLUGINS.values() for s in kind.settings if s.key not in TYPED}


def option_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Configured plug-in settings, checked against the declarations and typed like their
    defaults (`ORDEX_DETECTOR_OPTIONS`)."""
    declared = plugin_settings()
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise ConfigurationError(f"unknown detector option(s): {', '.join(unknown)} (declared: "
                                 f"{', '.join(sorted(declared)) or 'none'})", unknown=unknown)
    return {key: _typed(declared[key], value) for key, value in values.items()}


def _typed(setting: Setting, value: Any) -> Any:
    kind = type(setting.default)
    try:
        if kind is Decimal:
            return Decimal(str(value))
        if kind is bool or kind is str:
            if not isinstance(value, kind):
                raise TypeError
            return value
        if kind is tuple:
            return tuple(value) if isinstance(value, list | tuple) else (value,)
        return kind(value)
    except (TypeError, ValueError, ArithmeticError):
        raise ConfigurationError(f"detector option {setting.key}: {value!r} is not of type "
                                 f"{kind.__name__}", key=setting.key) from None
