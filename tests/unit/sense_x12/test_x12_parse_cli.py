"""`ordex parse`: exit codes by outcome, --strict, and one JSON document on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner
from x12_builders import BODY, build_850

from ordex.entrypoints.cli import cli


def _parse(tmp_path: Path, text: str, *args: str) -> tuple[int, str]:
    path = tmp_path / "in.edi"
    path.write_text(text)
    run = CliRunner().invoke(cli, ["parse", str(path), *args])
    return run.exit_code, run.stdout


@pytest.mark.parametrize(("text", "code"), [
    (build_850(), 0),
    (build_850([*BODY[:-1], "CTT*3*12.5"]), 1),
    (build_850() + "\x1a", 1),
    (build_850([b.replace("PO1*1*10*", "PO1*1*abc*") for b in BODY]), 2),
    (build_850(se_count=3), 2),
    ("not an interchange at all", 2),
])
def test_exit_code_says_whether_every_transaction_came_through(
        tmp_path: Path, text: str, code: int) -> None:
    assert _parse(tmp_path, text)[0] == code
    assert _parse(tmp_path, text, "--format", "json")[0] == code


def test_strict_shows_what_a_strict_partner_would_do(tmp_path: Path) -> None:
    text = build_850([*BODY[:-1], "CTT*3*12.5"])
    code, out = _parse(tmp_path, text, "--format", "json")
    [entry] = json.loads(out)
    assert (code, entry["status"], entry["warnings"][0]["element"]) == (1, "ok", "CTT01")
    code, out = _parse(tmp_path, text, "--strict", "--format", "json")
    [entry] = json.loads(out)
    assert (code, entry["status"], entry["error"]["element"]) == (2, "error", "CTT01")


def test_json_output_is_one_document_with_notes(tmp_path: Path) -> None:
    code, out = _parse(tmp_path, build_850() + "\x00\x00", "--format", "json")
    entries = json.loads(out)
    assert [e["status"] for e in entries] == ["ok", "note"]
    assert "NUL" in entries[1]["notes"][0]["message"] and code == 1
