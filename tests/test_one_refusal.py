"""One way to refuse a request: operations raise ``Refused``; one helper answers it.

A scan of ``portal/``: no exception class of its own besides ``Refused`` and its
subclasses (and a few errors no user ever sees as an answer); no view renders the
error page by hand (``abort(code, description=...)`` does); ``actor()`` comes from
``portal.web.views``, never a private copy.
"""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"

# Errors that are not a refusal of what a user asked: a broken policy file, a pure
# rule's ValueError that forms and the import turn into their own messages, and SQLite's
# write lock staying busy for a job or command (portal.cli and the scheduler report it),
# and a profile citing an unknown document or article (reported as a broken profile).
NOT_REFUSALS = {"ProfileError", "GradeOutOfRange", "WriteLockBusy", "CitationError"}


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(), str(path))) for path in sorted(PORTAL.rglob("*.py"))]


def _base_names(node: ast.ClassDef) -> list[str]:
    names = []
    for base in node.bases:
        if isinstance(base, ast.Name):
            names.append(base.id)
        elif isinstance(base, ast.Attribute):
            names.append(base.attr)
    return names


def _is_builtin_exception(name: str) -> bool:
    value = getattr(builtins, name, None)
    return isinstance(value, type) and issubclass(value, BaseException)


def _exception_classes() -> dict[str, tuple[str, list[str]]]:
    """Return every class of portal/ that derives (directly or not) from an exception."""
    classes = {
        node.name: (f"{path.relative_to(PORTAL.parent)}:{node.lineno}", _base_names(node))
        for path, module in _modules()
        for node in ast.walk(module)
        if isinstance(node, ast.ClassDef)
    }
    found: dict[str, tuple[str, list[str]]] = {}
    changed = True
    while changed:
        changed = False
        for name, (where, bases) in classes.items():
            if name in found:
                continue
            if any(_is_builtin_exception(base) or base in found for base in bases):
                found[name] = (where, bases)
                changed = True
    return found


def _refused_family(found: dict[str, tuple[str, list[str]]]) -> set[str]:
    family = {"Refused"}
    changed = True
    while changed:
        changed = False
        for name, (_where, bases) in found.items():
            if name not in family and any(base in family for base in bases):
                family.add(name)
                changed = True
    return family


def test_every_exception_class_is_a_refusal():
    """Besides a few non-user errors, every exception class in portal/ is a Refused."""
    found = _exception_classes()
    family = _refused_family(found)
    strays = sorted(
        f"{where} {name}({', '.join(bases)})"
        for name, (where, bases) in found.items()
        if name not in family and name not in NOT_REFUSALS
    )
    assert strays == []
    assert {"UploadRefused", "FileProblem", "StashError", "CellError", "Locked"} <= family


def test_the_scan_sees_exception_classes():
    """The scan finds the known classes, so an empty answer above means something."""
    found = _exception_classes()
    assert {"Refused", "ProfileError", "UploadRefused"} <= found.keys()


def test_only_the_error_handler_renders_the_error_page():
    """No module but portal/web/errors.py renders errors/error.html; views abort instead."""
    renders = sorted(
        str(path.relative_to(PORTAL.parent))
        for path in PORTAL.rglob("*.py")
        if "errors/error.html" in path.read_text()
    )
    assert renders == ["portal/web/errors.py"]


def test_no_private_actor_helper():
    """No module defines its own _actor(); views use portal.web.views.actor."""
    defined = sorted(
        f"{path.relative_to(PORTAL.parent)}:{node.lineno}"
        for path, module in _modules()
        for node in ast.walk(module)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "_actor"
    )
    assert defined == []
