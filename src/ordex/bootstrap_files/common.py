"""What the file handlers share: the wired app, the file store, partners and EDI registry."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select

from ordex.adapters.db import tables as t
from ordex.adapters.db.files_repo import (
    FileState,
    FileStore,
    InterchangeRegistry,
    PartnerRepo,
    move_file,
    touch_file,
)
from ordex.adapters.db.uow import SqlUnitOfWork
from ordex.bootstrap import App
from ordex.orchestrate.ports import Need
from ordex.sense.edi_partners import TradingPartner

OUR_ID = ("ZZ", "ORDEX")
Progress = Callable[[int], None] | None
T = TypeVar("T")


def resumed_note(raw_id: str) -> str:
    """The file-report note of an identical file whose stored copy was not processed to its end."""
    return (f"resumed: identical file received before (raw {raw_id}) and not processed to "
            "its end; processed again from the stored copy")


def with_last(items: Iterable[list[T]]) -> Iterator[tuple[list[T], bool]]:
    """Each batch with whether it is the last; one empty last batch when there is none."""
    it = iter(items)
    current = next(it, None)
    if current is None:
        yield [], True
        return
    for following in it:
        yield current, False
        current = following
    yield current, True


def claim_file(uow: SqlUnitOfWork, raw_id: str) -> None:
    """Lock a stored file for one unit of work: two runs over the same file take turns."""
    uow.lock(Need(keys=frozenset({f"file:{raw_id}"})))


def end_batch(uow: SqlUnitOfWork, raw_id: str, *, last: bool, at: datetime) -> None:
    """Record a batch's progress on its file; the last batch marks the file processed."""
    if last:
        move_file(uow.connection, raw_id, FileState.PROCESSED, at=at)
    else:
        touch_file(uow.connection, raw_id, at=at)


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
