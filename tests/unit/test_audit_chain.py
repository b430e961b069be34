"""The audit hash chain: sealing, and every way a broken chain is named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from ordex.adapters.db.audit_repo import as_csv, safe_cell
from ordex.domain.audit import GENESIS, anchor, entry_hash, first_break, instant, seal

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def chain(stream: str, n: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    head = (0, GENESIS)
    for i in range(n):
        fields: dict[str, object] = {"at": T0 + timedelta(minutes=i), "actor": f"u{i}",
                                     "action": "note", "from_state": "open", "to_state": "open",
                                     "reason": f"step {i}"}
        sealed = seal(stream, fields, after=head)
        head = (sealed.seq, sealed.hash)
        rows.append({**fields, "entry_id": 100 + i, "seq": sealed.seq,
                     "prev_hash": sealed.prev_hash, "hash": sealed.hash})
    return rows


def head_of(rows: list[dict[str, object]]) -> tuple[int, str]:
    return int(str(rows[-1]["seq"])), str(rows[-1]["hash"])


def test_an_untouched_chain_holds_and_each_entry_seals_the_one_before() -> None:
    rows = chain("SO1:CREDIT_HOLD", 4)
    assert first_break("SO1:CREDIT_HOLD", rows, head_of(rows)) is None
    assert rows[0]["prev_hash"] == GENESIS
    assert [r["prev_hash"] for r in rows[1:]] == [r["hash"] for r in rows[:-1]]
    assert [r["seq"] for r in rows] == [1, 2, 3, 4]


def test_a_changed_reason_is_named_at_its_entry() -> None:
    rows = chain("S", 4)
    rows[2]["reason"] = "approved by nobody"
    broken = first_break("S", rows, head_of(rows))
    assert broken is not None
    assert (broken.entry_id, broken.seq) == (102, 3)
    assert "changed" in broken.problem
    assert "entry 102 (seq 3)" in broken.message()


def test_a_changed_actor_or_moment_breaks_the_chain_too() -> None:
    for field, value in (("actor", "someone-else"), ("at", T0 + timedelta(seconds=1))):
        rows = chain("S", 2)
        rows[0][field] = value
        broken = first_break("S", rows, head_of(rows))
        assert broken is not None and broken.entry_id == 100, field


def test_an_entry_removed_from_the_middle_is_a_gap_in_the_sequence() -> None:
    rows = chain("S", 5)
    head = head_of(rows)
    del rows[2]
    broken = first_break("S", rows, head)
    assert broken is not None
    assert broken.entry_id == 103 and "missing" in broken.problem


def test_an_entry_resealed_after_a_removal_still_fails_on_its_predecessor() -> None:
    rows = chain("S", 3)
    del rows[1]
    rows[1]["seq"] = 2  # renumbered to hide the gap: its prev_hash still names the removed one
    broken = first_break("S", rows, None)
    assert broken is not None
    assert broken.entry_id == 102 and "before it" in broken.problem


def test_entries_cut_from_the_end_are_caught_by_the_stored_head() -> None:
    rows = chain("S", 4)
    head = head_of(rows)
    broken = first_break("S", rows[:3], head)
    assert broken is not None
    assert broken.entry_id is None and broken.seq == 4
    assert "removed from its end" in broken.problem


def test_a_stream_without_a_stored_head_was_written_around_the_chain() -> None:
    rows = chain("S", 1)
    broken = first_break("S", rows, None)
    assert broken is not None and "no stored head" in broken.problem


def test_an_unsealed_entry_is_named() -> None:
    rows = chain("S", 2)
    rows[1]["hash"] = None
    broken = first_break("S", rows, head_of(chain("S", 2)))
    assert broken is not None and broken.entry_id == 101 and "no seal" in broken.problem


def test_the_hash_binds_the_stream_and_the_place() -> None:
    fields = chain("A", 1)[0]
    assert entry_hash("A", 1, fields, GENESIS) != entry_hash("B", 1, fields, GENESIS)
    assert entry_hash("A", 1, fields, GENESIS) != entry_hash("A", 2, fields, GENESIS)
    moved = chain("A", 1)
    assert first_break("B", moved, head_of(moved)) is not None  # copied into another case


def test_the_moment_is_read_in_utc_whatever_its_offset() -> None:
    berlin = timezone(timedelta(hours=1))
    assert instant(datetime(2026, 11, 30, 10, 0, tzinfo=berlin)) == "2026-11-30T09:00:00.000000Z"
    assert instant(datetime(2026, 11, 30, 9, 0)) == "2026-11-30T09:00:00.000000Z"  # naive: UTC


def test_the_anchor_covers_every_head_in_any_order() -> None:
    heads = [("a", 1, "x" * 64), ("b", 3, "y" * 64)]
    assert anchor(heads) == anchor(list(reversed(heads)))
    assert anchor(heads) != anchor(heads[:1])
    assert anchor(heads) != anchor([("a", 1, "x" * 64), ("b", 2, "y" * 64)])


def test_csv_cells_a_spreadsheet_would_run_are_escaped() -> None:
    for formula in ("=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(formula) == "'" + formula
    assert safe_cell("plain -1 inside") == "plain -1 inside"
    assert safe_cell(None) == ""
    text = as_csv([{"seq": 1, "at": "t", "actor": "=cmd", "action": "note", "from_state": None,
                    "to_state": "open", "reason": "@x", "prev_hash": GENESIS, "hash": "h"}])
    header, row = text.strip().split("\r\n")
    assert header == "seq,at,actor,action,from_state,to_state,reason,prev_hash,hash"
    assert row.split(",")[2] == "'=cmd" and row.split(",")[6] == "'@x"
