"""Benchmark `stakeholders import` against a bare insert of the same rows.

Generates a CP932 CSV of realistic Japanese customer records (kanji names and addresses,
e-mails, phones), then, each in its own process:

- baseline: read and decode the same CSV and insert its rows with plain `sqlite3.executemany`
  (PostgreSQL: `COPY`) into an equivalent table, no encryption, no validation;
- leaktrack: `leaktrack stakeholders import FILE --kind customer --incident REF`.

It prints wall time, rows/s and peak RSS of each, and the ratio. Targets: ratio at most 3,
peak RSS at most 300 MB.

    python -m bench.import --rows 1000000 [--postgres postgresql+psycopg://postgres@127.0.0.1/x]
"""

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PRODUCT_DIR = Path(__file__).resolve().parent.parent
HEADER = ("external_ref", "name", "email", "phone", "address", "country", "region")
SURNAMES = "佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 清水".split()  # noqa: SIM905  # fmt: skip
GIVEN = "太郎 花子 翔太 陽菜 蓮 結衣 大輝 美咲 健一 由美 拓也 さくら 悠斗 愛 直樹 恵子".split()  # noqa: SIM905
PREFECTURES = [("JP-13", "東京都", "千代田区丸の内"), ("JP-27", "大阪府", "大阪市北区梅田"),
               ("JP-14", "神奈川県", "横浜市西区みなとみらい"), ("JP-23", "愛知県", "名古屋市中村区名駅"),
               ("JP-01", "北海道", "札幌市中央区北一条西"), ("JP-40", "福岡県", "福岡市博多区博多駅前")]  # fmt: skip
DOMAINS = ("example.jp", "example.co.jp", "mail.example.ne.jp")


def generate(path: Path, rows: int) -> None:
    """A CP932 CSV of `rows` customers, deterministic."""
    rng = random.Random(7)
    with path.open("w", encoding="cp932", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(rows):
            region, prefecture, town = rng.choice(PREFECTURES)
            name = f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}"
            writer.writerow((
                f"CUST-{n:08d}", name, f"user{n}@{rng.choice(DOMAINS)}",
                f"0{rng.randint(3, 9)}0-{rng.randint(0, 9999):04d}-{n % 10000:04d}",
                f"{prefecture}{town}{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}",
                "JP", region,
            ))  # fmt: skip


BASELINE_SQL = """CREATE TABLE people (id INTEGER PRIMARY KEY, kind TEXT NOT NULL,
    external_ref TEXT, name TEXT, email TEXT, phone TEXT, address TEXT, country TEXT NOT NULL,
    region TEXT, UNIQUE (kind, external_ref))"""


def baseline_sqlite(csv_path: str, db_path: str) -> None:
    """Plain sqlite3: decode, parse, executemany in one transaction."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(BASELINE_SQL)
    with open(csv_path, encoding="cp932", newline="") as source:
        reader = csv.reader(source)
        next(reader)
        insert = "INSERT INTO people (kind, external_ref, name, email, phone, address, country, region) VALUES ('customer', ?, ?, ?, ?, ?, ?, ?)"  # noqa: E501
        while batch := [row for _, row in zip(range(5000), reader, strict=False)]:
            conn.executemany(insert, batch)
    conn.commit()
    conn.close()


def baseline_postgres(csv_path: str, url: str) -> None:
    """Plain psycopg COPY of the decoded rows in one transaction."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        conn.execute(BASELINE_SQL.replace("INTEGER PRIMARY KEY", "bigserial PRIMARY KEY"))
        with open(csv_path, encoding="cp932", newline="") as source, conn.cursor() as cursor:
            reader = csv.reader(source)
            next(reader)
            columns = "kind, external_ref, name, email, phone, address, country, region"
            with cursor.copy(f"COPY people ({columns}) FROM STDIN") as copy:
                for row in reader:
                    copy.write_row(("customer", *row))


def _run(command: list[str], env: dict) -> tuple[float, float, str, float]:
    """Wall seconds, peak RSS in MB, stdout and CPU seconds of a child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = process.stdout.read().decode()
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{command[2:5]} failed: {out}")
    return elapsed, usage.ru_maxrss / 1024, out.strip(), usage.ru_utime + usage.ru_stime


def _leaktrack(env: dict, csv_path: Path) -> tuple[float, float, str]:
    flask = [sys.executable, "-m", "flask", "--app", "leaktrack"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    code = ("from leaktrack import create_app; from leaktrack.extensions import db; "
            "from leaktrack.incidents.service import create_incident as c; app = create_app(); "
            "ctx = app.app_context(); ctx.push(); "
            "i = c(actor=None, data={'title': 'Bench leak', 'data_categories': ['name', 'email']}); "
            "db.session.commit(); print(i.ref)")  # fmt: skip
    ref = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True).stdout.strip()  # fmt: skip
    return _run([*flask, "stakeholders", "import", str(csv_path), "--kind", "customer",
                 "--encoding", "auto", "--incident", ref], env)  # fmt: skip


def _report(label: str, rows: int, bare, ours) -> None:
    print(f"{label}: {rows} rows")
    for name, run in (("baseline ", bare), ("leaktrack", ours)):
        print(
            f"  {name} {run[0]:7.1f} s wall ({run[3]:6.1f} s CPU)  {rows / run[0]:8.0f} rows/s"
            f"  peak RSS {run[1]:4.0f} MB"
        )
    print(f"  ratio {ours[0] / bare[0]:.2f} wall, {ours[3] / bare[3]:.2f} CPU (target <= 3)")
    print(f"  {ours[2]}")


def _fresh_postgres(url: str, name: str) -> str:
    import psycopg

    admin = url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="an admin URL of a PostgreSQL server to also run on")
    parser.add_argument("--skip-sqlite", action="store_true", help="only run on PostgreSQL")
    parser.add_argument("--baseline", nargs=3, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.baseline:
        backend, csv_path, target = options.baseline
        (baseline_sqlite if backend == "sqlite" else baseline_postgres)(csv_path, target)
        return
    with tempfile.TemporaryDirectory(prefix="leaktrack-bench-") as folder:
        folder = Path(folder)
        csv_path = folder / "customers.csv"
        generate(csv_path, options.rows)
        print(f"generated {csv_path.stat().st_size / 1e6:.0f} MB of CP932 CSV")
        env = {**os.environ, "SECRET_KEY": "bench", "PYTHONPATH": str(PRODUCT_DIR),
               "LEAKTRACK_DATA_KEY": "k1:" + "b" * 43}  # fmt: skip
        me = [sys.executable, "-m", "bench.import", "--baseline"]
        if not options.skip_sqlite:
            bare = _run([*me, "sqlite", str(csv_path), str(folder / "bare.db")], env)
            sqlite_url = f"sqlite:///{folder / 'leaktrack.db'}"
            ours = _leaktrack({**env, "DATABASE_URL": sqlite_url}, csv_path)
            _report("SQLite", options.rows, bare, ours)
        if options.postgres:
            bare = _run([*me, "postgres", str(csv_path),
                         _fresh_postgres(options.postgres, "bench_bare")], env)  # fmt: skip
            url = _fresh_postgres(options.postgres, "bench_leaktrack")
            ours = _leaktrack({**env, "DATABASE_URL": url}, csv_path)
            _report("PostgreSQL", options.rows, bare, ours)


if __name__ == "__main__":
    main()
