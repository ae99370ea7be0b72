"""How fast the planner answers in a real browser (Playwright + Debian's Chromium).

    .venv/bin/python bench/app_speed.py [--repeats 5] [--time-limit 30]

Starts the app, then measures (median of --repeats fresh browser sessions) the time from opening
the URL to the first page being complete, and once the time from pressing "Build roster" on the
Roster page (default time limit) to the roster's KPIs being shown. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--time-limit", type=int, default=45, help="the Roster page's solver time limit")
    args = ap.parse_args()
    chromium = shutil.which("chromium")
    if not chromium:
        print("no Chromium (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless",
                               "true", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        first, build = [], None
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=FLAGS)
            for i in range(args.repeats + 1):          # the first visit warms the server's caches
                page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                t0 = time.monotonic()
                page.goto(url)
                page.get_by_text("Employees by skill set").first.wait_for(timeout=60_000)
                page.wait_for_function(IDLE, timeout=60_000)
                if i:
                    first.append(time.monotonic() - t0)
                if i == args.repeats:
                    page.locator('[data-testid="stSidebarNav"]').get_by_text("Roster", exact=True).click()
                    page.get_by_text("No roster yet").first.wait_for(timeout=120_000)
                    box = page.get_by_role("spinbutton", name="Time limit (s)")
                    box.fill(str(args.time_limit))
                    box.press("Enter")
                    page.wait_for_timeout(1000)
                    t0 = time.monotonic()
                    page.get_by_role("button", name="Build roster").click()
                    page.get_by_text("Under-staffed agent-hours").first.wait_for(timeout=600_000)
                    build = time.monotonic() - t0
                page.context.close()
            browser.close()
    finally:
        server.terminate()
    print("| measure | median s | runs | min s | max s |\n|---|---|---|---|---|")
    print(f"| first page (Centre data) complete | {statistics.median(first):.2f} | {len(first)} | {min(first):.2f} | {max(first):.2f} |")
    print(f"| roster built from the Roster page ({args.time_limit} s limit, forecast included) | {build:.1f} | 1 | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
