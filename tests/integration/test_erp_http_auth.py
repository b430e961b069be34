"""The HTTP connector's credentials against the real local ERP: a static header from the
environment, OAuth2 client credentials cached until expiry and renewed on 401."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from erp_kit import erp_server, mapping_data, write_mapping
from ordex.adapters.erp_http import HttpErp, load_mapping
from ordex.domain.events import HoldLines
from ordex.orchestrate.changes import OutboxMessage

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def messages(*orders: str) -> list[OutboxMessage]:
    return [OutboxMessage(f"m-{o}", NOW, HoldLines(o, (1,), "r", f"{o}:X")) for o in orders]


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def oauth(url: str) -> dict[str, object]:
    return {"type": "oauth2_client_credentials", "token_url": f"{url}/oauth/token",
            "client_id": "ordex", "client_secret_env": "ERP_SECRET",
            "refresh_margin_seconds": 10}


def test_a_static_header_from_the_environment_authorises_and_a_wrong_one_is_permanent(
        tmp_path: Path) -> None:
    with erp_server(tmp_path, "--token", "s3cret") as server:
        auth = {"type": "header", "value_env": "ERP_TOKEN", "prefix": "Bearer "}
        mapping = load_mapping(write_mapping(tmp_path / "m.yaml",
                                             mapping_data(server.url, auth=auth)))
        good = HttpErp(mapping, env={"ERP_TOKEN": "s3cret"}).send(messages("A"))
        bad = HttpErp(mapping, env={"ERP_TOKEN": "wrong"}).send(messages("B"))
        assert good.applied == {"m-A"} and not good.failed
        assert bad.failed["m-B"].permanent and "HTTP 401" in bad.failed["m-B"].error
        assert server.record()["applied"] == {"m-A": 1}


def test_an_oauth_token_is_cached_until_it_expires_then_fetched_again(tmp_path: Path) -> None:
    with erp_server(tmp_path, "--oauth", "cs", "--token-lifetime", "60") as server:
        mapping = load_mapping(write_mapping(tmp_path / "m.yaml",
                                             mapping_data(server.url, auth=oauth(server.url))))
        clock = Clock()
        erp = HttpErp(mapping, env={"ERP_SECRET": "cs"}, clock=clock)
        assert erp.send(messages("A", "B", "C")).applied == {"m-A", "m-B", "m-C"}
        assert server.record()["issued"] == 1  # one token for three requests
        clock.t += 49  # still inside lifetime minus the margin
        erp.send(messages("D"))
        assert server.record()["issued"] == 1
        clock.t += 2  # past 60 - 10 seconds: renewed before it is used
        erp.send(messages("E"))
        assert server.record()["issued"] == 2
        assert sorted(server.record()["applied"]) == ["m-A", "m-B", "m-C", "m-D", "m-E"]


def test_a_401_renews_the_token_once_and_the_command_goes_through(tmp_path: Path) -> None:
    with erp_server(tmp_path, "--oauth", "cs") as server:
        mapping = load_mapping(write_mapping(tmp_path / "m.yaml",
                                             mapping_data(server.url, auth=oauth(server.url))))
        erp = HttpErp(mapping, env={"ERP_SECRET": "cs"})
        erp.send(messages("A"))
        server.revoke()  # the ERP forgot every token it issued
        report = erp.send(messages("B"))
        assert report.applied == {"m-B"} and not report.failed
        record = server.record()
        assert record["issued"] == 2 and record["applied"] == {"m-A": 1, "m-B": 1}


def test_client_credentials_the_token_endpoint_refuses_fail_permanently_naming_it(
        tmp_path: Path) -> None:
    with erp_server(tmp_path, "--oauth", "cs") as server:
        mapping = load_mapping(write_mapping(tmp_path / "m.yaml",
                                             mapping_data(server.url, auth=oauth(server.url))))
        report = HttpErp(mapping, env={"ERP_SECRET": "wrong"}).send(messages("A", "B"))
        failure = report.failed["m-A"]
        assert failure.permanent and "token endpoint refused the client credentials" in (
            failure.error)
        assert set(report.failed) == {"m-A", "m-B"} and server.record()["applied"] == {}


def test_an_unreachable_erp_is_a_transient_failure_for_each_order(tmp_path: Path) -> None:
    with erp_server(tmp_path) as server:
        url = server.url
    mapping = load_mapping(write_mapping(tmp_path / "m.yaml", mapping_data(url, timeout=0.5)))
    report = HttpErp(mapping, env={}).send(messages("A", "B"))
    assert report.applied == frozenset() and set(report.failed) == {"m-A", "m-B"}
    assert not report.failed["m-A"].permanent and "ConnectError" in report.failed["m-A"].error
