"""The control-tower page in a real headless Chromium, as a person would open it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars"]


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


def test_home_page_renders_queues_chart_and_case_links_in_chromium(
        base_url: str, tmp_path: Path) -> None:
    assert Path(CHROMIUM).exists(), "make test installs Debian's chromium"
    with httpx.Client(base_url=base_url, timeout=30) as http:
        for line in (ROOT / "examples" / "orders.ndjson").read_text().splitlines():
            http.post("/orders", content=line)
    dom = chromium("--dump-dom", base_url + "/", profile=tmp_path / "p1")
    assert dom.returncode == 0, dom.stderr[-500:]
    assert 'id="queue-customer_service"' in dom.stdout
    assert "<svg" in dom.stdout and "Open cases by queue" in dom.stdout
    assert "/ui/cases/EX-1004:DUPLICATE_ORDER" in dom.stdout
    shot = tmp_path / "home.png"
    taken = chromium(f"--screenshot={shot}", "--window-size=1280,900", base_url + "/",
                     profile=tmp_path / "p2")
    assert taken.returncode == 0 and shot.stat().st_size > 10_000
    detail = chromium("--dump-dom", base_url + "/ui/cases/EX-1004:DUPLICATE_ORDER",
                      profile=tmp_path / "p3")
    assert "Audit trail" in detail.stdout and "was already received" in detail.stdout
