"""Builders for small X12 interchanges used by the X12 tests (imported, not collected)."""

from __future__ import annotations

from collections.abc import Sequence

ISA_4010 = ("ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*ORDEXSUPPLY    *240105*"
            "0930*U*00401*000000101*0*P*>~")
ISA_5010 = ("ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*ORDEXSUPPLY    *240105*"
            "0930*^*00501*000000101*0*P*:~")

BODY = [
    "BEG*00*SA*PO-7781**20240105",
    "CUR*BY*USD",
    "REF*DP*038",
    "DTM*010*20240110",
    "DTM*002*20240112",
    "TD5**2*UPSN**UPS GROUND",
    "N1*ST*ACME DC EAST*92*DC-EAST",
    "N3*100 MAIN ST*DOCK 4",
    "N4*COLUMBUS*OH*43004",
    "PO1*1*10*EA*2.50**BP*AC-100*VP*V-100",
    "PID*F****WIDGET, SMALL",
    "PO1*2*2.5*CS*100**IN*AC-200*VN*V-200",
    "CTT*2*12.5",
]


def build_850(body: Sequence[str] = BODY, *, version: str = "004010", control: str = "0001",
              se_count: int | None = None, terminator: str = "~\n") -> str:
    """Return one interchange holding one 850 with the given body segments."""
    isa = ISA_5010 if version.startswith("005") else ISA_4010
    segments = [f"ST*850*{control}", *body]
    segments.append(f"SE*{se_count or len(segments) + 1}*{control}")
    lines = [isa[:-1], f"GS*PO*ACMEBUYER*ORDEXSUPPLY*20240105*0930*77*X*{version}",
             *segments, "GE*1*77", "IEA*1*000000101"]
    return "".join(line + terminator for line in lines)
