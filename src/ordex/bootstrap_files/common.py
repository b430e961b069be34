"""What the file handlers share: the wired app, the file store, partners and EDI registry."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from ordex.adapters.db import tables as t
from ordex.adapters.db.files_repo import FileStore, InterchangeRegistry, PartnerRepo
from ordex.bootstrap import App
from ordex.sense.edi_partners import TradingPartner

OUR_ID = ("ZZ", "ORDEX")
Progress = Callable[[int], None] | None


class Shared:
    """The stores every file handler uses."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.files = FileStore(app.engine)
        self.partners = PartnerRepo(app.engine)
        self.registry = InterchangeRegistry(app.engine)

    def _cases_of(self, raw_id: str) -> set[str]:
        with self.app.engine.connect() as conn:
            return {
                r[0]
                for r in conn.execute(
                    select(t.cases.c.case_id).where(t.cases.c.case_id.like(f"%{raw_id[:16]}%"))
                )
            }

    # -- CSV ---------------------------------------------------------------------------
    def load_partners(self, partners: list[TradingPartner]) -> None:
        """Replace the trading partners."""
        self.partners.replace(partners)
