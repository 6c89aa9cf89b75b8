"""An import killed mid-way leaves the database as it was; no contact data on disk."""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import create_engine, text

from leaktrack.extensions import db
from leaktrack.stakeholders import service
from leaktrack.stakeholders.models import Stakeholder

from ..conftest import TEST_DATA_KEY, make_test_app
from .conftest import csv_bytes


def _big_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="cp932", newline="") as out:
        out.write("external_ref,name,email,phone,address,country\r\n")
        for n in range(rows):
            out.write(f"B-{n},山田 {n},user{n}@example.jp,03-{n:08d},東京都 {n},JP\r\n")


def _snapshot(url: str) -> list:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, external_ref, pii, updated_at FROM stakeholders"))
        snapshot = sorted(tuple(row) for row in rows)
        if url.startswith("sqlite"):
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    engine.dispose()
    return snapshot


def _start_import(url: str, folder: Path, rows: int) -> subprocess.Popen:
    big = folder / "big.csv"
    _big_csv(big, rows)
    env = {**os.environ, "DATABASE_URL": url, "LEAKTRACK_DATA_KEY": TEST_DATA_KEY,
           "SECRET_KEY": "x"}  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "leaktrack", "stakeholders", "import",
         str(big), "--kind", "customer"],
        env=env, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def _read_position(pid: int, path: Path) -> int:
    """How far the process has read into the file (Linux /proc), 0 before it opened it."""
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if Path(os.readlink(fd)) == path:
                info = Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text()
                return int(info.split("pos:")[1].split()[0])
        except OSError:
            continue
    return 0


def _wait_until_a_third_is_read(process: subprocess.Popen, path: Path) -> None:
    """Return once the import has read (and so processed) a third of its file, still running."""
    size, deadline = path.stat().st_size, time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if _read_position(process.pid, path) > size // 3:
            break
        time.sleep(0.01)
    assert process.poll() is None, process.communicate()
    assert _read_position(process.pid, path) < size


def _seeded(url: str, folder: Path):
    app = make_test_app(url, folder / "instance")
    with app.app_context():
        flask_migrate.upgrade()
        service.import_file(stream=io.BytesIO(csv_bytes()), kind="customer")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_an_import_killed_mid_way_changes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    _seeded(url, tmp_path)
    before = _snapshot(url)
    process = _start_import(url, tmp_path, 100_000)
    _wait_until_a_third_is_read(process, tmp_path / "big.csv")
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert _snapshot(url) == before


@pytest.mark.skipif(
    not os.environ.get("LEAKTRACK_TEST_DATABASE_URL"), reason="needs LEAKTRACK_TEST_DATABASE_URL"
)
def test_an_import_killed_mid_copy_on_postgresql_changes_nothing(tmp_path):
    from ..conftest import _fresh_postgres_database

    url, drop = _fresh_postgres_database(os.environ["LEAKTRACK_TEST_DATABASE_URL"], "crash")
    try:
        _seeded(url, tmp_path)
        before = _snapshot(url)
        process = _start_import(url, tmp_path, 100_000)
        _wait_until_a_third_is_read(process, tmp_path / "big.csv")
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert _snapshot(url) == before
    finally:
        drop()


def test_contact_data_never_reaches_the_database_file(app, do_import, make_incident):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite"):
        pytest.skip("reads the SQLite file itself")
    ref = make_incident()
    do_import(csv_bytes(), incident=ref)
    with app.app_context():
        person = db.session.query(Stakeholder).filter_by(external_ref="C-2").one()
        service.update_stakeholder(
            stakeholder=person, actor=None, data={"email": "new.hanako@example.jp"}
        )
        db.session.commit()
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    path = Path(url.removeprefix("sqlite:///"))
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert b"C-1" in raw  # the refs are there: the file was read
    secrets = ["山田 太郎", "taro@example.jp", "03-1234-5678", "0312345678", "佐藤",
               "new.hanako@example.jp", "hanako@example.jp", "ann@example.com", "Ann Lee",
               "415 555 0100", "丸の内"]  # fmt: skip
    for secret in secrets:
        for encoding in ("utf-8", "utf-16-le", "cp932"):
            assert secret.encode(encoding) not in raw, (secret, encoding)
