"""The running app in a real browser (Playwright driving Debian's Chromium): each page opens through
the sidebar in one session, shows no error box, and is saved as a screenshot. The roster is built
from the Roster page, one what-if scenario is run, and the Export page offers the validated files.

Skips with the reason when Chromium or Playwright is missing (.ci/run installs both).
Screenshots go to $APP_SCREENSHOTS (default: the test's temporary folder)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Chromium's background services try to reach Google; this machine's network is closed.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (Debian: apt-get install chromium)"),
    pytest.mark.timeout(1200),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--browser.gatherUsageStats", "false", "--server.maxUploadSize", "50"],
        cwd=ROOT, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"the app did not start: {log.read_text()[-2000:]}")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def page(server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        # Generous waits: on a shared 2-core machine a page that takes 10 s alone took over a minute.
        page.set_default_timeout(150_000)
        page.goto(server)
        yield page
        browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = Path(os.environ.get("APP_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def settle(page, text: str, timeout: float = 150_000) -> None:
    """Wait for `text` on the page and for Streamlit to finish running the script."""
    page.get_by_text(text, exact=False).first.wait_for(timeout=timeout)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)
    page.wait_for_timeout(800)


def no_error_box(page) -> None:
    errors = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    assert errors.count() == 0, errors.all_inner_texts()


def set_number(page, label: str, value: int) -> None:
    box = page.get_by_role("spinbutton", name=label)
    box.fill(str(value))
    box.press("Enter")
    page.wait_for_timeout(1000)


def open_page(page, title: str, wait_for: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    settle(page, wait_for)


def test_every_page_in_the_browser(page, shots):
    settle(page, "Employees by skill set")
    no_error_box(page)
    page.screenshot(path=shots / "1-centre-data.png", full_page=True)

    open_page(page, "Forecast", "Chosen model")
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    no_error_box(page)
    page.screenshot(path=shots / "2-forecast.png", full_page=True)

    open_page(page, "Staffing", "Staff-hours needed")
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    no_error_box(page)
    page.screenshot(path=shots / "3-staffing.png", full_page=True)

    open_page(page, "Roster", "No roster yet")
    set_number(page, "Time limit (s)", 20)
    page.get_by_role("button", name="Build roster").click()
    settle(page, "Under-staffed agent-hours", timeout=300_000)
    no_error_box(page)
    page.get_by_role("tab", name="Shifts").click()
    page.wait_for_timeout(1500)
    page.screenshot(path=shots / "4-roster.png", full_page=True)

    open_page(page, "What-if", "Define a scenario")
    page.get_by_role("textbox", name="Name").fill("demand +15%")
    page.get_by_role("spinbutton", name="Demand change (%)").fill("15")
    page.get_by_role("button", name="Add scenario").click()
    settle(page, "Run scenarios")
    set_number(page, "Seconds per scenario", 5)
    page.get_by_role("button", name="Run scenarios").click()
    settle(page, "Per-employee changes against the base", timeout=300_000)
    no_error_box(page)
    page.screenshot(path=shots / "5-what-if.png", full_page=True)

    open_page(page, "Export", "Validated")
    no_error_box(page)
    assert page.get_by_role("button", name="Roster (CSV)").is_enabled()
    page.screenshot(path=shots / "6-export.png", full_page=True)
    assert len(list(shots.glob("*.png"))) >= 6
