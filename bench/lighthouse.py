"""Lighthouse mobile on the seven pages issue 12 names, median of three runs each.

    python -m bench.lighthouse [--runs 3] [--check]

Serves the demo street on 127.0.0.1 (bench/page_weight.py), signs each role in through
the login form, and runs Lighthouse from npm (bench/lighthouse/, installed by
``npm ci`` when missing) with Debian's Chromium, mobile form factor and Lighthouse's
default simulated slow-4G/4× CPU throttling. Writes ``lighthouse`` (each page's median
scores and every run's) and ``lighthouse_min_performance`` to bench/results.json, with the
load average. ``--check`` exits 1 when a median performance is under 0.98 or an
accessibility / best-practices / SEO median is under 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

from bench import page_weight

HERE = Path(__file__).resolve().parent / "lighthouse"
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGET = {"performance": 0.98, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}
WORKER, TRAINER, MENTOR, ADMIN = "13800000001", "13800000002", "13800000003", "13800000005"


def install() -> None:
    """Install the pinned Lighthouse (bench/lighthouse/package-lock.json) when missing."""
    if not LIGHTHOUSE.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)


def sign_in(base_url: str, phone: str) -> requests.Session:
    """Sign in through the login form, as a browser would."""
    session = requests.Session()
    session.headers["Origin"] = base_url  # the portal checks a form's origin, as browsers send it
    form = session.get(f"{base_url}/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    if token is None:
        raise SystemExit("the login page has no CSRF token")
    answer = session.post(
        f"{base_url}/login",
        data={"csrf_token": token.group(1), "username": phone, "password": page_weight.PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302:
        raise SystemExit(f"could not sign in as {phone}: HTTP {answer.status_code}")
    return session


def first_link(session: requests.Session, url: str, pattern: str) -> str:
    """Return the first link on a page matching a pattern (a real training, a real mentee)."""
    found = re.search(rf'href="({pattern})"', session.get(url, timeout=30).text)
    if found is None:
        raise SystemExit(f"no link like {pattern} on {url}")
    return found.group(1)


def pages(base_url: str) -> dict[str, tuple[str, requests.Session | None]]:
    """The seven pages, each with the session that sees it."""
    worker, trainer = sign_in(base_url, WORKER), sign_in(base_url, TRAINER)
    mentor, admin = sign_in(base_url, MENTOR), sign_in(base_url, ADMIN)
    training = first_link(trainer, f"{base_url}/trainings", r"/trainings/\d+")
    mentee = first_link(mentor, f"{base_url}/mentoring", r"/mentoring/mentees/\d+")
    return {
        "login": ("/login", None),
        "worker_home": ("/", worker),
        "training_detail": (training, trainer),
        "inbox": ("/inbox", worker),
        "mentee": (mentee, mentor),
        "admin_roster": ("/street/workers", admin),
        "dashboard": ("/street/dashboard", admin),
    }


def lighthouse(url: str, session: requests.Session | None, out: Path) -> dict[str, float]:
    """Run Lighthouse once on a page and return its category scores."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--form-factor=mobile",
        "--output=json",
        f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]
    if session is not None:
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    env = {**os.environ, "CHROME_PATH": page_weight.CHROMIUM}
    subprocess.run(command, check=True, env=env, timeout=300)
    report = json.loads(out.read_text())
    if report.get("runtimeError"):
        raise SystemExit(f"Lighthouse failed on {url}: {report['runtimeError']}")
    return {name: report["categories"][name]["score"] for name in CATEGORIES}


def run(runs: int, keep: Path | None = None, only: list[str] | None = None) -> dict:
    """Score every page ``runs`` times on a throwaway demo database."""
    install()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="portal-lighthouse-") as folder:
        app = page_weight.demo_app(Path(folder))
        with page_weight.serving(app) as (base_url, _counter):
            reports = keep or Path(folder)
            reports.mkdir(parents=True, exist_ok=True)
            for name, (path, session) in pages(base_url).items():
                if only and name not in only:
                    continue
                scores = [
                    lighthouse(base_url + path, session, reports / f"{name}-{i}.json")
                    for i in range(runs)
                ]
                results[name] = {
                    "path": path,
                    "median": {c: statistics.median(s[c] for s in scores) for c in CATEGORIES},
                    "runs": scores,
                }
                print(name, path, results[name]["median"], flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="exit 1 below the targets")
    parser.add_argument("--keep", type=Path, help="keep the JSON reports in this folder")
    parser.add_argument("--only", nargs="*", help="score only these pages (not recorded)")
    args = parser.parse_args(argv)
    from bench.run import merge_results

    load_before = os.getloadavg()
    results = run(args.runs, args.keep, args.only)
    if args.only:
        return 0
    merge_results(
        {
            "lighthouse": results,
            "lighthouse_min_performance": min(r["median"]["performance"] for r in results.values()),
            "lighthouse_load": {"before": load_before, "after": os.getloadavg()},
            "lighthouse_version": json.loads((HERE / "package.json").read_text())["dependencies"][
                "lighthouse"
            ],
        }
    )
    short = [
        f"{name}: {category} {result['median'][category]}"
        for name, result in results.items()
        for category in CATEGORIES
        if result["median"][category] < TARGET[category]
    ]
    for line in short:
        print("under target:", line)
    return 1 if args.check and short else 0


if __name__ == "__main__":
    sys.exit(main())
