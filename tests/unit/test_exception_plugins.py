"""Exception codes are plug-ins: one registration per code, found by scanning a package."""

import sys
import textwrap
from collections.abc import Iterator
from dataclasses import fields
from datetime import timedelta
from pathlib import Path

import pytest

from ordex.decide.remedy import remedy_for
from ordex.domain import context_events, events
from ordex.domain.codes import ExceptionCode, Queue
from ordex.domain.errors import ConfigurationError
from ordex.domain.reference import ReferenceData
from ordex.interpret import registry
from ordex.interpret.exception_type import LIVE_STATE, ExceptionType, resolve
from ordex.interpret.settings import TYPED, DetectionSettings
from ordex.orchestrate.resolutions import ALLOWED
from ordex.simulate.code_simulation import CodeSimulation, simulations
from ordex.simulate.orders import RATE_FIELDS

from builders import NOW, decide_pipeline, line, order, sourcing_reference

THROWAWAY = '''
"""A throw-away code: orders with many lines go to finance for a look."""

from ordex.decide.candidate import Candidate
from ordex.domain.codes import Action, ExceptionCode, Queue, Severity
from ordex.domain.findings import Finding
from ordex.interpret.exception_type import ExceptionType
from ordex.interpret.settings import Setting

MIN_LINES = Setting("bulk_order_min_lines", 3, "lines from which an order is bulk")


class BulkOrder:
    code = ExceptionCode.CUSTOMER_REQUEST

    def evaluate(self, order, ctx):
        limit = ctx.settings.get(MIN_LINES)
        if len(order.lines) < limit:
            return []
        return [Finding(self.code, Severity.BLOCKING, (), f"{len(order.lines)} lines, "
                        f"at least {limit}: a bulk order", {"lines": len(order.lines),
                                                            "min_lines": limit})]


def remedies(s):
    return [Candidate(Action.RELEASE, 0.5, s.case.value_at_risk, None, None, "ships",
                      "release the bulk order", s.case.value_at_risk)]


PLUGIN = ExceptionType(code=ExceptionCode.CUSTOMER_REQUEST, queue=Queue.FINANCE,
                       detector=BulkOrder(), settings=(MIN_LINES,),
                       actions=frozenset({Action.RELEASE}), remedies="{module}:remedies")
'''


@pytest.fixture
def throwaway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ExceptionType]:
    """A package outside the source tree with one plug-in module, registered for the test."""
    package = tmp_path / "throwaway_codes"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "_helpers.py").write_text("PLUGIN = 'modules starting with _ are skipped'\n")
    (package / "bulk_order.py").write_text(
        textwrap.dedent(THROWAWAY).replace("{module}", "throwaway_codes.bulk_order"))
    monkeypatch.syspath_prepend(str(tmp_path))
    found = registry.discover("throwaway_codes")
    assert list(found) == [ExceptionCode.CUSTOMER_REQUEST]
    plugin = found[ExceptionCode.CUSTOMER_REQUEST]
    monkeypatch.setitem(registry.PLUGINS, plugin.code, plugin)
    yield plugin
    for name in [m for m in sys.modules if m.startswith("throwaway_codes")]:
        del sys.modules[name]


def test_a_plugin_module_is_detected_routed_and_given_its_actions(
        throwaway: ExceptionType) -> None:
    p = decide_pipeline(sourcing_reference())
    p.detectors, p.by_code = [throwaway.detector], {throwaway.code: throwaway.detector}
    p.accept(order(line(1), line(2), line(3)), raw_id="r1", key=None, now=NOW)
    case = p.changes.new_cases["O-1:CUSTOMER_REQUEST"]
    assert case.reason == "3 lines, at least 3: a bulk order"
    assert case.evidence["lines"] == 3 and case.evidence["min_lines"] == 3
    assert case.queue is Queue.FINANCE  # the plug-in's owner queue, not customer service
    assert p.policy.sla is not None  # finance's SLA: 24 business hours on the case's calendar
    calendar = p.policy.sla.calendar(case.sla_calendar)
    assert calendar.elapsed(case.opened_at, case.sla_due_at) == timedelta(hours=24)
    recommendation = case.evidence["recommendation"]
    assert recommendation["action"] == "RELEASE" and not recommendation["auto_apply"]
    assert "bulk order" in recommendation["explanation"]


def test_a_plugin_setting_has_its_default_and_can_be_configured(
        throwaway: ExceptionType) -> None:
    setting = throwaway.settings[0]
    assert DetectionSettings(enabled=()).get(setting) == 3
    options = registry.option_values({"bulk_order_min_lines": "5"})
    assert options == {"bulk_order_min_lines": 5}
    assert DetectionSettings(enabled=(), options=options).get(setting) == 5
    with pytest.raises(ConfigurationError, match="bulk_order_min_lines: 'many' is not of type int"):
        registry.option_values({"bulk_order_min_lines": "many"})
    with pytest.raises(ConfigurationError, match="unknown detector option"):
        registry.option_values({"bulk_order_min_line": 5})


def test_two_modules_registering_one_code_are_refused(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "twice_codes"
    package.mkdir()
    (package / "__init__.py").write_text("")
    body = ("from ordex.domain.codes import ExceptionCode, Queue\n"
            "from ordex.interpret.exception_type import ExceptionType\n"
            "PLUGIN = ExceptionType(code=ExceptionCode.TAX_FAILURE, queue=Queue.FINANCE)\n")
    (package / "a.py").write_text(body)
    (package / "b.py").write_text(body)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigurationError, match="TAX_FAILURE is registered twice"):
        registry.discover("twice_codes")


def test_every_exception_code_has_exactly_one_registration() -> None:
    found = registry.discover()
    assert list(found) == list(registry.PLUGINS)
    assert set(found) == set(ExceptionCode) and len(found) == len(ExceptionCode)
    assert set(ALLOWED) == set(ExceptionCode)


def test_every_declared_setting_exists_and_every_threshold_is_declared() -> None:
    defaults = DetectionSettings(enabled=())
    own: list[str] = []
    for kind in registry.PLUGINS.values():
        for s in kind.settings:
            if s.key in TYPED:  # a typed threshold, with the same default
                assert s.default == getattr(defaults, s.key), s.key
            else:  # a plug-in's own: read through options, never a field
                assert s.key not in {"enabled", "options"}
                own.append(s.key)
    assert len(own) == len(set(own)), "a plug-in setting is declared by two codes"
    declared = {s.key for kind in registry.PLUGINS.values() for s in kind.settings}
    assert declared >= TYPED  # no threshold nobody reads


def test_every_registration_names_parts_that_exist_in_their_stage() -> None:
    event_types = {v for m in (events, context_events) for v in vars(m).values()
                   if isinstance(v, type) and v.__module__ == m.__name__}
    reference = {f.name for f in fields(ReferenceData)}
    sims = {s.code: s for s in simulations()}
    for code, kind in registry.PLUGINS.items():
        assert kind.needs <= reference | LIVE_STATE, code
        assert set(kind.reevaluated_by) <= event_types, code
        if kind.remedies is not None:
            assert kind.remedies.startswith("ordex.decide.") and callable(remedy_for(code))
        if kind.simulation is not None:
            assert kind.simulation.startswith("ordex.simulate.codes.")
            assert isinstance(resolve(kind.simulation), CodeSimulation)
            assert sims[code].code is code
        assert (kind.detector is None) == (code in (ExceptionCode.INTEGRATION_FAILURE,
                                                    ExceptionCode.CUSTOMER_REQUEST))
        assert kind.detector is None or kind.detector.code is code


def test_every_injection_has_a_rate_and_every_desk_action_resolves_its_code() -> None:
    for sim in simulations():
        if sim.injection is not None:
            assert sim.injection.rate in RATE_FIELDS or sim.injection.default_rate > 0
        if sim.desk is not None:
            assert sim.desk.action in {a.value for a in ALLOWED[sim.code]}, sim.code


def test_a_registration_refuses_unknown_context_and_malformed_references() -> None:
    with pytest.raises(ValueError, match="unknown context need"):
        ExceptionType(ExceptionCode.TAX_FAILURE, Queue.FINANCE, needs=frozenset({"weather"}))
    with pytest.raises(ValueError, match="is not 'MODULE:NAME'"):
        ExceptionType(ExceptionCode.TAX_FAILURE, Queue.FINANCE, remedies="ordex.decide.x")


def test_events_reevaluate_the_codes_that_declare_them_in_detector_order() -> None:
    C = ExceptionCode
    assert registry.codes_reevaluated_by(context_events.ItemMasterFixed) == (
        C.MASTER_DATA_CONFLICT, C.PRICE_MISMATCH, C.MARGIN_BELOW_FLOOR, C.COMPLIANCE_HOLD,
        C.SHIPMENT_CONSTRAINT, C.QUANTITY_ANOMALY)
    assert registry.codes_reevaluated_by(events.InboundPODated) == (
        C.INVENTORY_SHORTFALL, C.ALLOCATION_CONFLICT)
    assert registry.codes_reevaluated_by(context_events.LicenceUploaded) == (C.COMPLIANCE_HOLD,)


def test_receipts_and_payments_rejudge_only_the_codes_the_pipeline_handles() -> None:
    """The pipeline's receipt and payment handlers close shortfall and credit cases only, so
    only those codes may declare these events (docs/extending.md, "Limits")."""
    C = ExceptionCode
    assert registry.codes_reevaluated_by(events.StockReceived) == (C.INVENTORY_SHORTFALL,)
    assert registry.codes_reevaluated_by(events.PaymentPosted) == (C.CREDIT_LIMIT_EXCEEDED,)
