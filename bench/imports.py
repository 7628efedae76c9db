"""`python -m bench.imports`: a 10,000-row roster import, end to end, as `import_rows_per_s`.

    python -m bench.imports [--rows 10000] [--check]

It also times how fast hostile 10 MB files are refused (`import_hostile_*_s`): a
3-million-blank-row sheet, 2.5 million written-out blank rows, 100,000 filled rows, a sheet
of wide rows and a zip bomb, each padded with an incompressible part to 10 MB.

Builds a throwaway migrated database (SQLite in a temporary folder, or the server in
BENCH_DATABASE_URL gets a fresh database of its own is NOT attempted: SQLite only), one
street with five communities, and an .xlsx of new workers made like a clerk's file. It
then times what the confirm button does: read, check every cell and row, plan, write
users, profiles, grade history and audit entries, commit. A second run of the same file
(every row unchanged) is timed too. Results are merged into bench/results.json.

--check fails (exit 1) if the import takes a minute or more, or a hostile file takes
2 s or more to be refused (the issue's bars).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import openpyxl
from flask import current_app
from flask_babel import force_locale
from flask_migrate import upgrade

from bench.run import merge_results
from portal import create_app
from portal.config import TestConfig
from portal.extensions import db
from portal.imports.commit import load_street, run_import
from portal.imports.reader import Limits
from portal.imports.templates import Kind, headers
from portal.org.models import Community, District, Street
from portal.timeutil import local_today
from tests.admin import hostile_xlsx

LIMIT_SECONDS = 60.0
HOSTILE_LIMIT_SECONDS = 2.0
HOSTILE_BYTES = 10 * 1000 * 1000  # just under the 10 MiB upload limit
POSTS = (("一般工作人员", 1, 12), ("副职", 4, 15), ("正职", 7, 18))
EDUCATIONS = ("大专", "本科", "硕士及以上", "高中/中专及以下")


def roster_file(rows: int, communities: list[str]) -> bytes:
    """Return a roster .xlsx of ``rows`` new workers, varied like a real street's."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers(Kind.ROSTER))
    for i in range(rows):
        post, low, high = POSTS[0] if i % 10 < 7 else POSTS[1] if i % 10 < 9 else POSTS[2]
        sheet.append(
            [
                f"社工{i:05d}",
                f"1{5 + i % 4}{i:09d}",
                f"BX{i:06d}",
                communities[i % len(communities)],
                post,
                low + i % (high - low + 1),
                f"{2005 + i % 18}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "",
                EDUCATIONS[i % len(EDUCATIONS)],
                "是" if i % 3 else "否",
                "招聘" if i % 5 else "选任",
                f"{2020 + i % 5}-06-01" if i % 2 else "",
                "",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def timed_roster_import(data: bytes, street_id: int, filename: str):
    """Import a roster workbook into a street as the CLI does; return (report, seconds)."""
    db.session.expunge_all()
    started = time.perf_counter()
    report = run_import(
        data,
        Kind.ROSTER,
        street=load_street(street_id),
        actor=None,
        today=local_today(),
        filename=filename,
        commit=True,
        limits=Limits.from_config(current_app.config),
        via="bench",
    )
    db.session.commit()
    seconds = time.perf_counter() - started
    if not report.ok:
        raise SystemExit(f"{filename} has errors: {report.errors[:3]}")
    return report, seconds


def run(rows: int) -> dict:
    """Time a roster import of ``rows`` rows and its repeat; return the result keys."""
    with tempfile.TemporaryDirectory() as tmp:
        config = TestConfig(tmp, database_url=f"sqlite:///{Path(tmp) / 'import.db'}")
        config.SQLALCHEMY_RECORD_QUERIES = False
        app = create_app(config)
        with app.app_context(), force_locale("zh_Hans_CN"):
            upgrade()
            district = District(name="基准区", policy_code="jiangsu")
            street = Street(district=district, name="基准街道")
            names = [f"基准社区{i}" for i in range(5)]
            db.session.add_all(
                [district, street, *(Community(street=street, name=n) for n in names)]
            )
            db.session.commit()
            street_id = street.id
            data = roster_file(rows, names)

            timings = []
            for _attempt in range(2):  # first: every row new; second: every row unchanged
                report, seconds = timed_roster_import(data, street_id, "bench.xlsx")
                timings.append(seconds)
            assert report.unchanged == rows, "the second import should change nothing"
        with app.app_context():
            db.engine.dispose()
    first, second = timings
    return {
        "import_rows": rows,
        "import_seconds": round(first, 2),
        "import_rows_per_s": round(rows / first, 1),
        "import_unchanged_seconds": round(second, 2),
        "import_unchanged_rows_per_s": round(rows / second, 1),
    }


def padded(data: bytes, size: int = HOSTILE_BYTES) -> bytes:
    """Return the workbook with an incompressible stored part added, ``size`` bytes in all."""
    buffer = io.BytesIO(data)
    padding = max(0, size - len(data) - 200)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/image1.png", b"\x89PNG" + os.urandom(padding))
    return buffer.getvalue()


def hostile_files() -> dict[str, bytes]:
    """Return the hostile files by name, each about 10 MB."""
    rows = "".join(f'<row r="{n}"/>' for n in range(2, 2_500_002))
    return {
        "blank_rows_gap": padded(hostile_xlsx.blank_rows_by_gap(3_000_001)),
        "blank_rows_written": padded(hostile_xlsx.xlsx([hostile_xlsx.header_row(), rows])),
        "filled_rows_100k": padded(hostile_xlsx.filled_rows(100_000)),
        "wide_rows": padded(hostile_xlsx.wide_rows(400, 2_000)),
        "zip_bomb": padded(hostile_xlsx.zip_bomb(3 * 1024**3)),
    }


def run_hostile() -> dict:
    """Time the refusal of each hostile file as the upload does it; return the result keys."""
    files = hostile_files()
    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        config = TestConfig(tmp, database_url=f"sqlite:///{Path(tmp) / 'hostile.db'}")
        config.SQLALCHEMY_RECORD_QUERIES = False
        app = create_app(config)
        with app.app_context(), force_locale("zh_Hans_CN"):
            upgrade()
            district = District(name="基准区", policy_code="jiangsu")
            street = Street(district=district, name="基准街道")
            db.session.add_all([district, street])
            db.session.commit()
            for name, data in files.items():
                started = time.perf_counter()
                report = run_import(
                    data,
                    Kind.ROSTER,
                    street=load_street(street.id),
                    actor=None,
                    today=local_today(),
                    filename=f"{name}.xlsx",
                    commit=False,
                    limits=Limits.from_config(current_app.config),
                )
                seconds = time.perf_counter() - started
                if report.problem is None:
                    raise SystemExit(f"hostile file {name} was not refused")
                result[f"import_hostile_{name}_s"] = round(seconds, 3)
                print(f"  {name}: {len(data):,} bytes, {seconds:.3f} s: {report.problem}")
        with app.app_context():
            db.engine.dispose()
    result["import_hostile_file_bytes"] = max(len(data) for data in files.values())
    result["import_hostile_refusal_max_s"] = max(
        value for key, value in result.items() if key.endswith("_s")
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--check", action="store_true", help="fail if over the issue's bars")
    parser.add_argument("--hostile-only", action="store_true", help="time the refusals only")
    args = parser.parse_args(argv)
    result = {}
    if not args.hostile_only:
        print(f"-- roster import of {args.rows} rows (python -m bench.imports) --", flush=True)
        result.update(run(args.rows))
    print("-- hostile 10 MB files, refused --", flush=True)
    result.update(run_hostile())
    merge_results(result)
    for key, value in result.items():
        print(f"{key}: {value}")
    failed = 0
    if args.check and result.get("import_seconds", 0) >= LIMIT_SECONDS:
        print(f"import took {result['import_seconds']} s, over {LIMIT_SECONDS} s", file=sys.stderr)
        failed = 1
    if args.check and result["import_hostile_refusal_max_s"] >= HOSTILE_LIMIT_SECONDS:
        print(
            f"a hostile file took {result['import_hostile_refusal_max_s']} s to refuse, "
            f"over {HOSTILE_LIMIT_SECONDS} s",
            file=sys.stderr,
        )
        failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main())
