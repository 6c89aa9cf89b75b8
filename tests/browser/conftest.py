"""Browser tests: the real app, set up the way `make run` does it, driven by Debian's Chromium.

The server is the real thing in a subprocess: `db upgrade` on a fresh SQLite database, `users
ensure-admin` (whose printed credentials the tests sign in with), then `flask run` on a free port
of 127.0.0.1. Screenshots go to test-artifacts/. Without Chromium the tests are skipped, except
in CI (CI=true), where a missing browser fails them.
"""

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
TEST_DATA_KEY = "k1:dGVzdC1icm93c2VyLWRhdGEta2V5LTMyLWJ5dGVzISE="


@dataclass(frozen=True)
class LiveServer:
    url: str
    admin_email: str
    admin_password: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _leaktrack(*args: str, env: dict) -> str:
    """Run a leaktrack command the way `make run` does; return what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "leaktrack", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"leaktrack {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the app did not answer {url} within {timeout} s")


def app_env(folder: Path) -> dict:
    """The environment of an app over a fresh SQLite database in this folder, migrated."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'leaktrack.db'}",
        "SECRET_KEY": "browser-test-secret",
        "LEAKTRACK_DATA_KEY": TEST_DATA_KEY,
        "LEAKTRACK_TIMEZONE": "Asia/Tokyo",
    }
    _leaktrack("db", "upgrade", env=env)
    return env


@contextlib.contextmanager
def serve(env: dict, folder: Path, *, email: str, password: str):
    """The app with this environment on a free port, until the block ends."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "leaktrack", "run", "--port", str(port)],
        env={**env, "FLASK_RUN_HOST": "127.0.0.1"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "server.log").open("w"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url + "/healthz", server)
        yield LiveServer(url=url, admin_email=email, admin_password=password)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app served on a free port over a freshly migrated SQLite database."""
    folder = tmp_path_factory.mktemp("live")
    env = app_env(folder)
    printed = _leaktrack("users", "ensure-admin", env=env)
    email = re.search(r"e-mail:\s*(\S+)", printed).group(1)
    password = re.search(r"password:\s*(\S+)", printed).group(1)
    with serve(env, folder, email=email, password=password) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium under Playwright."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser tab (its own cookies); console errors and failed requests fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    tab.problems = problems
    yield tab
    context.close()
    assert not problems, f"the browser reported problems: {problems}"


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot as test-artifacts/<test>-<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    test = re.sub(r"[^\w-]+", "-", request.node.name).strip("-")

    def take(tab, name: str) -> Path:
        path = ARTIFACTS / f"{test}-{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return take
