"""A trading partner's BAK01 for 855 changes is read from trading_partners.csv, checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from ordex.domain.errors import ReferenceDataError
from ordex.sense.edi_partners import load_partners

HEAD = "partner_id,isa_id,customer_id,warehouse_id"


def _folder(folder: Path, header: str, row: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "trading_partners.csv").write_text(f"{header}\n{row}\n")
    return folder


def test_the_change_purpose_defaults_to_04_and_takes_05(tmp_path: Path) -> None:
    [plain] = load_partners(_folder(tmp_path / "a", HEAD, "acme,ACMEEDI,ACME,CHI"))
    assert plain.change_purpose == "04"
    [replace] = load_partners(_folder(tmp_path / "b", HEAD + ",change_purpose",
                                      "acme,ACMEEDI,ACME,CHI,05"))
    assert replace.change_purpose == "05"


def test_any_other_change_purpose_is_an_error_naming_the_column(tmp_path: Path) -> None:
    folder = _folder(tmp_path, HEAD + ",change_purpose", "acme,ACMEEDI,ACME,CHI,00")
    with pytest.raises(ReferenceDataError, match="change_purpose") as raised:
        load_partners(folder)
    assert "'00' is not one of 04, 05" in str(raised.value)
