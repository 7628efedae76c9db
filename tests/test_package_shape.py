"""Every domain package keeps the same shape: operations flush, the caller commits.

These read the source (with ``ast``), so a new ``db.session.commit()`` in an operation, or
a rule that reaches for the logged-in user, fails here before it misbehaves in a request.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("portal", "notifications")


def _modules(name: str) -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob(name))


# A package split by feature keeps the layer in the name (``roster_operations.py``).
OPERATIONS = _modules("*operations.py")
DOMAIN = OPERATIONS + _modules("*queries.py") + _modules("*rules.py")


def _commits(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
    ]


def _request_names(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in {"flask", "flask_login"}:
            found += [
                f"{node.lineno}: {a.name}"
                for a in node.names
                if a.name in {"current_user", "session", "request", "g", "current_app"}
            ]
    return found


def test_the_scan_finds_the_domain_modules():
    """The scan sees the operations of the domains (so the checks below are not vacuous)."""
    names = {p.parent.name for p in OPERATIONS}
    assert {"admin", "inbox", "training", "outside", "uploads", "care"} <= names


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_operations_module_commits(path):
    """Operations flush and never commit: the view, the CLI or the job commits."""
    assert _commits(path) == []


# Still read the app's languages to pick the locale of a notification they send; the
# notification seam (issue 10, signals) takes those sends out of the operations.
_NOT_YET = {"portal/appraisal/operations.py", "portal/care/operations.py"}


@pytest.mark.parametrize("path", DOMAIN, ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_code_does_not_read_the_request(path):
    """Operations, queries and rules take the actor and values as arguments, not the request."""
    found = _request_names(path)
    if str(path.relative_to(ROOT)) in _NOT_YET:
        assert [name for name in found if not name.endswith("current_app")] == []
    else:
        assert found == []


def test_the_commit_check_catches_a_commit(tmp_path):
    """The check itself sees a commit (guards against a scan that can never fail)."""
    sample = tmp_path / "operations.py"
    sample.write_text("def go(db):\n    db.session.flush()\n    db.session.commit()\n")
    assert _commits(sample) == [3]
