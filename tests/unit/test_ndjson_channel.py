"""An NDJSON file as a channel: one delivery per non-blank line, named by its line number."""

from __future__ import annotations

import threading
from pathlib import Path

from ordex.adapters.files import NdjsonFileChannel
from ordex.orchestrate.consume import consume
from ordex.orchestrate.ports import Delivery


def _file(tmp_path: Path, text: bytes) -> Path:
    path = tmp_path / "orders.ndjson"
    path.write_bytes(text)
    return path


def test_each_non_blank_line_is_a_delivery_positioned_at_its_line_number(tmp_path: Path) -> None:
    path = _file(tmp_path, b'{"n": 1}\r\n\n   \n{"n": 2}\n{"n": 3}')
    with NdjsonFileChannel(path) as channel:
        batch = channel.receive(max_items=10, timeout=0)
        assert channel.at_end
        channel.acknowledge(batch)
        assert channel.receive(max_items=10, timeout=0) == []
    assert [d.body for d in batch] == [b'{"n": 1}', b'{"n": 2}', b'{"n": 3}']
    assert [d.position for d in batch] == [f"{path}:1", f"{path}:4", f"{path}:5"]
    assert {d.source for d in batch} == {str(path)}
    assert {d.key for d in batch} == {None}


def test_lines_come_in_batches_of_at_most_max_items(tmp_path: Path) -> None:
    path = _file(tmp_path, b"".join(b'{"n": %d}\n' % n for n in range(7)))
    sizes = []
    with NdjsonFileChannel(path) as channel:
        for _ in range(4):
            batch = channel.receive(max_items=3, timeout=0)
            channel.acknowledge(batch)
            sizes.append(len(batch))
    assert sizes == [3, 3, 1, 0]


def test_the_consume_loop_drains_a_file_to_its_end(tmp_path: Path) -> None:
    path = _file(tmp_path, b"".join(b'{"n": %d}\n' % n for n in range(4)) + b"\n\n")
    handled: list[Delivery] = []
    with NdjsonFileChannel(path) as channel:
        report = consume(channel, handled.extend, max_items=2, timeout=0,
                         stop=threading.Event(), drain=True)
    assert [d.position for d in handled] == [f"{path}:{n}" for n in range(1, 5)]
    assert channel.acknowledged == report.acknowledged == 4
    assert report.batches == 2


def test_lines_not_acknowledged_are_handed_out_again_before_any_new_line(tmp_path: Path) -> None:
    path = _file(tmp_path, b"".join(b'{"n": %d}\n' % n for n in range(5)))
    handled: list[list[str]] = []

    def handle(batch: list[Delivery]) -> None:
        handled.append([d.position.rsplit(":", 1)[1] for d in batch])
        if len(handled) == 2:
            raise RuntimeError("the database is down")

    with NdjsonFileChannel(path) as channel:
        report = consume(channel, handle, max_items=2, timeout=0, stop=threading.Event(),
                         drain=True, backoff=0.01)
    assert handled == [["1", "2"], ["3", "4"], ["3", "4"], ["5"]]
    assert (report.acknowledged, report.failures) == (5, 1)
