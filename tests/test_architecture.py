"""The import graph between packages: arrows point one way.

Every module of ``portal`` and ``notifications`` is parsed (no import is run) and each
``import`` in it, at the top or inside a function, becomes an arrow from its package
(``portal.<name>`` or ``notifications``) to the imported one. Two packages importing
each other are a cycle: neither can be read, tested or changed without the other.
Cross-domain side effects go through ``portal.signals`` instead (see its docstring).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOP = ("portal", "notifications")

# The floor: packages every other one may import, and which import no domain themselves.
FLOOR = {
    "portal.extensions",
    "portal.db",
    "portal.database",
    "portal.enums",
    "portal.labels",
    "portal.timeutil",
    "portal.policy",
    "portal.people",
    "portal.org",
    "portal.web",
    "portal.refusals",
    "portal.signals",
    "portal.audit",  # operations record entries; domains declare how to scope theirs
}
# The app factory and the CLI wire every package together; nothing imports them back
# but the packages' own ``import portal`` guard (notifications/__init__.py).
WIRING = {
    "portal",
    "portal.cli",
    "portal.demo",
    "portal.models",
    "portal.backup",
}  # backup: every part of an instance
# Domain packages must not import the package that reacts to them (they send signals).
REACTORS = {"notifications"}
# Two-way package dependencies allowed for now, each with what keeps it: none is left.
KNOWN_CYCLES: set[frozenset[str]] = set()


def _package(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "notifications":
        return "notifications"
    if parts[0] == "portal":
        return ".".join(parts[:2])
    return None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> dict[str, dict[str, set[str]]]:
    """Return {package: {imported package: {modules that import it}}}."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for top in TOP:
        for path in sorted((ROOT / top).rglob("*.py")):
            module = _module_name(path)
            source = _package(module)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    # ``from portal import demo`` imports portal.demo, not just portal
                    names = [f"{node.module}.{alias.name}" for alias in node.names]
                else:
                    continue
                for name in names:
                    target = _package(name)
                    if target is not None and target != source:
                        graph[source][target].add(module)
    return graph


def two_way(graph) -> dict[frozenset[str], str]:
    """Return each pair of packages that import each other, with the modules involved."""
    pairs = {}
    for source, targets in graph.items():
        for target, modules in targets.items():
            back = graph.get(target, {}).get(source)
            if back and source not in WIRING and target not in WIRING:
                pair = frozenset({source, target})
                there, back_here = ", ".join(sorted(modules)), ", ".join(sorted(back))
                pairs[pair] = f"{source} ({there}) <-> {target} ({back_here})"
    return pairs


def test_no_two_packages_import_each_other():
    """No package imports one that imports it back, but the few known ones listed above."""
    cycles = two_way(import_graph())
    new = [text for pair, text in sorted(cycles.items(), key=str) if pair not in KNOWN_CYCLES]
    assert new == []


def test_the_known_cycles_are_still_there():
    """A known cycle that was removed is struck off the list, so it cannot come back unseen."""
    cycles = two_way(import_graph())
    assert sorted(map(sorted, KNOWN_CYCLES - cycles.keys())) == []


def test_the_floor_imports_no_domain():
    """The floor packages (extensions, people, org, audit, signals…) import only each other."""
    graph = import_graph()
    below = FLOOR | {"portal.models"}  # database registers every table through the list
    above = {
        source: sorted(set(targets) - below)
        for source, targets in graph.items()
        if source in FLOOR and set(targets) - below
    }
    assert above == {}


def test_domains_do_not_import_what_reacts_to_them():
    """No domain package imports notifications; it reacts to their signals instead."""
    graph = import_graph()
    allowed = WIRING | REACTORS
    offenders = {
        source: sorted(set(targets) & REACTORS)
        for source, targets in graph.items()
        if source not in allowed and set(targets) & REACTORS
    }
    assert offenders == {}
