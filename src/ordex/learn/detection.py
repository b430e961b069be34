"""Detection quality: precision and recall per exception code against ground truth."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def detection_report(predicted: Iterable[tuple[str, str]],
                     truth: Iterable[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    """Per code: precision, recall and support (true cases) from (order_id, code) pairs."""
    pred, true = set(predicted), set(truth)
    codes = sorted({c for _, c in pred} | {c for _, c in true})
    report: dict[str, dict[str, Any]] = {}
    for code in codes:
        p = {k for k in pred if k[1] == code}
        t = {k for k in true if k[1] == code}
        hit = len(p & t)
        report[code] = {
            "precision": round(hit / len(p), 6) if p else (1.0 if not t else 0.0),
            "recall": round(hit / len(t), 6) if t else 1.0,
            "support": len(t),
            "predicted": len(p),
        }
    return report
