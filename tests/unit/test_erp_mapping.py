"""The HTTP connector's mapping file: the example loads; every mistake is named by its key."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from ordex.adapters.erp_http import HttpErp, load_mapping, retry_after
from ordex.adapters.erp_http.templates import SAMPLES, render_tree, sample_context
from ordex.domain.erp_commands import COMMAND_KINDS, CURRENT_KINDS
from ordex.domain.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "erp" / "http-mapping.yaml"


def example() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE.read_text())  # type: ignore[no-any-return]


def refused(tmp_path: Path, data: object) -> str:
    path = tmp_path / "mapping.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    with pytest.raises(ConfigurationError) as caught:
        load_mapping(path)
    lines = caught.value.message.splitlines()
    assert all(line.startswith(f"erp mapping {path}: ") for line in lines)
    return "\n".join(line.split(f"{path}: ", 1)[1] for line in lines)


def test_the_example_mapping_loads_and_renders_each_command_with_native_types() -> None:
    mapping = load_mapping(EXAMPLE)
    assert sorted(mapping.endpoints) == sorted(CURRENT_KINDS)  # the legacy kind is optional
    hold = mapping.endpoints["HoldLines"]
    ctx = sample_context("HoldLines")
    assert render_tree(hold.path, ctx) == "/orders/SO-1/holds"
    assert render_tree(hold.payload, ctx) == {
        "lines": [1, 2], "reason_code": "CREDIT_LIMIT_EXCEEDED",
        "reason": "credit limit exceeded", "reference": "SO-1:CREDIT_LIMIT_EXCEEDED"}
    assert mapping.endpoints["RevisePromise"].method == "PATCH"
    assert mapping.endpoints["RevisePromise"].responses.classify(201) == "permanent"


def test_a_misspelt_key_is_an_error_naming_it_not_a_default(tmp_path: Path) -> None:
    data = example()
    data["timeout_secnds"] = 3
    assert refused(tmp_path, data) == "timeout_secnds: unknown key"
    data = example()
    data["commands"]["HoldLines"]["methd"] = "POST"
    assert refused(tmp_path, data) == "commands.HoldLines.methd: unknown key"
    data = example()
    data["auth"]["client_secret"] = "hunter2"  # a secret in the file is refused too
    assert refused(tmp_path, data) == "auth.client_secret: unknown key"


def test_a_command_kind_missing_or_misspelt_is_named(tmp_path: Path) -> None:
    data = example()
    data["commands"]["HoldLine"] = data["commands"].pop("HoldLines")
    assert refused(tmp_path, data) == (
        "commands.HoldLine: unknown key\n"
        "commands.HoldLines: Field required: every command kind needs an endpoint "
        "(HoldLines is not mapped)")


@pytest.mark.parametrize("kind", CURRENT_KINDS)
def test_every_command_kind_left_out_of_the_mapping_is_refused_at_load(tmp_path: Path,
                                                                       kind: str) -> None:
    data = example()
    del data["commands"][kind]
    assert refused(tmp_path, data) == (f"commands.{kind}: Field required: every command kind "
                                       f"needs an endpoint ({kind} is not mapped)")


def test_the_new_kinds_render_with_native_types_from_the_example() -> None:
    mapping = load_mapping(EXAMPLE)
    def body(kind: str) -> object:
        return render_tree(mapping.endpoints[kind].payload, sample_context(kind))
    split = body("SplitLine")
    assert split["shipments"] == [  # type: ignore[index]
        {"item_id": "WIDGET", "warehouse_id": "WH1", "quantity": "10", "ship_date": None},
        {"item_id": "WIDGET", "warehouse_id": "WH2", "quantity": "20",
         "ship_date": "2026-12-01"}]
    assert body("ChangePrice") == {"unit_price": "9.50", "currency": "USD", "contract": "K-1",
                                   "reason_code": "REPRICE",
                                   "reference": "SO-1:PRICE_MISMATCH"}
    assert body("UpdateShipTo")["address"]["postal_code"] == "62701"  # type: ignore[index]
    assert render_tree(mapping.endpoints["SplitLine"].path,
                       sample_context("SplitLine")) == "/orders/SO-1/lines/1/split"
    assert set(SAMPLES) == set(COMMAND_KINDS)  # every kind is tried at load


def test_bad_values_are_named_with_their_key(tmp_path: Path) -> None:
    data = example()
    data["responses"]["retry"] = [429, "5x"]
    assert "responses.retry: Value error, '5x' is not an HTTP status" in refused(tmp_path, data)
    data = example()
    data["timeout_seconds"] = 0
    assert refused(tmp_path, data).startswith("timeout_seconds: Input should be greater than 0")
    data = example()
    data["auth"] = {"type": "header", "value_env": "not a name"}
    assert refused(tmp_path, data).startswith("auth.value_env: String should match pattern")
    data = example()
    data["auth"]["type"] = "basic"
    assert refused(tmp_path, data).startswith("auth: Input tag 'basic' found")
    data = example()
    data["commands"]["CancelOrder"]["method"] = "GET"
    assert refused(tmp_path, data).startswith("commands.CancelOrder.method: Input should be")
    data = example()
    del data["version"]
    assert refused(tmp_path, data) == "version: Field required"


def test_a_template_naming_a_field_the_command_lacks_fails_at_load(tmp_path: Path) -> None:
    data = example()
    data["commands"]["HoldLines"]["payload"]["reason"] = "{{ command.reasn }}"
    message = refused(tmp_path, data)
    assert message.startswith("commands.HoldLines.payload.reason: template failed:")
    assert "reasn" in message


def test_a_template_that_does_not_compile_is_named(tmp_path: Path) -> None:
    data = example()
    data["commands"]["ReleaseLines"]["path"] = "/orders/{{ command.order_id }/x"
    assert refused(tmp_path, data).startswith(
        "commands.ReleaseLines.path: template does not compile")


def test_files_that_are_not_a_mapping_are_refused_in_one_line(tmp_path: Path) -> None:
    assert refused(tmp_path, "- a\n- b\n") == "must be a mapping of keys, not list"
    assert refused(tmp_path, "a: [").startswith("not YAML")
    with pytest.raises(ConfigurationError, match="cannot be read"):
        load_mapping(tmp_path / "absent.yaml")


def test_the_sandbox_refuses_templates_that_reach_into_python(tmp_path: Path) -> None:
    data = example()
    data["commands"]["HoldLines"]["payload"]["reason"] = (
        "{{ command.__class__.__mro__[1].__subclasses__() }}")
    assert refused(tmp_path, data).startswith("commands.HoldLines.payload.reason: template")


def test_a_secret_missing_from_the_environment_is_named_when_the_connector_is_built() -> None:
    with pytest.raises(ConfigurationError,
                       match=re.escape("auth.client_secret_env: the environment variable "
                                       "ORDEX_ERP_CLIENT_SECRET is not set")):
        HttpErp(load_mapping(EXAMPLE), env={})


def test_statuses_are_classified_by_code_or_class_with_the_defaults() -> None:
    responses = load_mapping(EXAMPLE).endpoints["HoldLines"].responses
    assert [responses.classify(s) for s in (200, 204, 409, 429, 500, 503, 400, 404, 422)] == [
        "success", "success", "success", "retry", "retry", "retry", "permanent", "permanent",
        "permanent"]


def test_retry_after_reads_seconds_and_http_dates_and_is_bounded() -> None:
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert retry_after("7") == timedelta(seconds=7)
    assert retry_after("Mon, 23 Nov 2026 09:00:30 GMT", now=now) == timedelta(seconds=30)
    assert retry_after("Mon, 23 Nov 2026 08:00:00 GMT", now=now) == timedelta(0)
    assert retry_after("999999") == timedelta(hours=1)
    assert retry_after("soon") is None and retry_after(None) is None
