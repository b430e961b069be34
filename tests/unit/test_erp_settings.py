"""The ERP connector's settings: which connector, its mapping file, the delivery policy."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from ordex.adapters.erp_http import HttpErp
from ordex.adapters.erp_sandbox import SandboxErp
from ordex.bootstrap import erp_connector, outbox_policy
from ordex.config import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "erp" / "http-mapping.yaml"


def test_the_sandbox_is_the_default_connector() -> None:
    settings = Settings(database_url="sqlite://")
    assert settings.erp_connector == "sandbox" and settings.erp_mapping_file is None
    assert isinstance(erp_connector(settings, engine=None), SandboxErp)  # type: ignore[arg-type]


def test_the_http_connector_needs_its_mapping_file() -> None:
    with pytest.raises(ValidationError, match="ORDEX_ERP_MAPPING_FILE must name the mapping"):
        Settings(erp_connector="http")
    with pytest.raises(ValidationError, match="ORDEX_ERP_MAPPING_FILE must name the mapping"):
        Settings(erp_connector="http", erp_mapping_file="  ")


def test_an_unknown_connector_is_refused_naming_the_choices() -> None:
    with pytest.raises(ValidationError, match="'sandbox', 'http' or 'tryton'"):
        Settings(erp_connector="sap")  # type: ignore[arg-type]


def test_the_http_connector_is_built_from_the_mapping_with_the_secret_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDEX_ERP_CLIENT_SECRET", "s")
    erp = erp_connector(Settings(erp_connector="http", erp_mapping_file=EXAMPLE),
                        engine=None)  # type: ignore[arg-type]
    assert isinstance(erp, HttpErp)
    assert str(erp.client.base_url) == "http://127.0.0.1:8780/api/v1/"
    erp.close()


def test_the_delivery_policy_uses_full_jitter_and_the_outbox_keys() -> None:
    policy = outbox_policy(Settings(outbox_retry_base_seconds=2, outbox_retry_cap_seconds=60,
                                    outbox_max_attempts=4))
    assert (policy.base, policy.cap, policy.max_attempts, policy.jitter) == (
        timedelta(seconds=2), timedelta(seconds=60), 4, "full")
    with pytest.raises(ValidationError, match="RETRY_CAP_SECONDS is shorter"):
        Settings(outbox_retry_base_seconds=10, outbox_retry_cap_seconds=5)
    with pytest.raises(ValidationError, match="outbox_max_attempts"):
        Settings(outbox_max_attempts=0)
