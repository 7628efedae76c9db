"""Policy numbers and seed codes live only in the profiles (portal/policy/).

An AST guard over portal/ (outside portal/policy/) and a text guard over templates/:

* a known policy value (60/70/90 % targets, 18 per 10,000, 6 months of secondment, 8 学时
  a day, 40 学时, 10/20 days of absence, 12 months of a new entrant, 5/3/3 training days …)
  in a rule-ish context: bound to a name that reads like a rule (``NEW_ENTRANT_MONTHS = 12``),
  compared with one (``months > 6``), multiplied or divided into one (``days * 8``), or given
  as a period (``relativedelta(months=6)``, ``timedelta(days=10)``);
* a raw seed code ("003 §6", "001 一(六)") or the Jiangsu document number (苏社〔2024〕52号)
  in a string a user could see (docstrings are developer notes and stay free to cite).

Innocent numbers (column widths, row indexes, password lengths, HTTP codes) are not in a
rule-ish context and pass.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "portal"
TEMPLATES = ROOT / "templates"

# Folders of portal/ the guard does not read, each with why.
SKIPPED = (
    PORTAL / "policy",  # the one home of policy numbers
    PORTAL / "translations",  # catalogues, no code
    PORTAL / "demo",  # invented demo people and histories, not rules (`flask demo` only)
)

# The numbers the profiles hold (portal/policy/profiles/*.toml), by the words that put them
# in a rule-ish context. A literal is flagged only when it is one of these numbers AND it sits
# next to a name containing one of its words.
POLICY_VALUES: dict[int, tuple[str, ...]] = {
    60: ("percent", "target", "certified", "share"),  # 003 §1: 持证 60%
    70: ("percent", "target", "party", "share"),  # 003 §1: 党员 70%
    90: ("percent", "target", "college", "share"),  # 003 §1: 大专 90%
    18: ("per_10000", "staffing", "norm", "residents"),  # 003 §1 / 004 §3: 每万人18人
    6: ("second",),  # 003 §9: 借调不超过6个月
    8: ("hour", "day"),  # product: 1 day = 8 学时
    40: ("hour", "xueshi", "training"),  # 001 二(四): 40学时
    10: ("absen", "consecutive", "leave", "years"),  # 003 §11(5): 连续10个工作日; leave tiers
    20: ("absen", "per_year", "leave", "years"),  # 003 §11(5): 年内20个工作日; leave tiers
    12: ("entrant",),  # new entrant: started within 12 months
    5: ("training", "head", "leave", "target_years", "within"),  # 003 §6 正职5天; 003 §1 5年
    3: ("training", "deputy", "staff", "induction", "deadline", "rotation", "basic"),  # 003 §6
    15: ("leave",),  # SC514 第三条: 15天
    2: ("generalist", "consecutive", "unqualified"),  # 003 §8 2名; 003 §11(2) 连续两年
}

# Keyword arguments that make a number a period of time (a rule's length).
PERIOD_VALUES = {
    "days": {10, 20},  # 003 §11(5): 10 running / 20 a year of absence
    "months": {6, 12},  # 003 §9: 6 months of secondment; 12 months a new entrant
    "hours": {8, 40},  # 8 学时 a day; 001 二(四): 40学时 a year
}

SEED_CODE = re.compile(
    r"(?<![\d.])00\d\s*(?:§\s*\d|[一二三四五六七八九十]+\s*[(（、]|[一二三四五六七八九十]+(?![\u4e00-\u9fff]))"
)
DOCUMENT_NUMBER = re.compile(r"苏社|〔20\d\d〕")

# Spots another helper is changing right now (issue 13): (file, name or snippet) → why.
# Each entry must still match: a fixed spot fails the test until its entry is removed.
ALLOWLIST: dict[tuple[str, str], str] = {
    ("portal/mentoring/rules.py", "NEW_ENTRANT_MONTHS"): (
        "issue 13: the new-entrant definition (12 months) is moving into the profiles "
        "(mentoring.new_entrants) in another helper's branch"
    ),
}


@dataclass(frozen=True)
class Hit:
    path: str
    line: int
    key: str  # the name or text that carries the value (what the allowlist matches)
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.why} ({self.key})"


def _portal_files() -> list[Path]:
    return sorted(
        path
        for path in PORTAL.rglob("*.py")
        if not any(path.is_relative_to(folder) for folder in SKIPPED)
    )


def _literal(node: ast.AST) -> int | None:
    """Return the whole number a node spells (``8``, ``8.0``, ``Decimal(8)``, ``Decimal("8")``)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return None
    if isinstance(node, ast.Constant) and not isinstance(node.value, bool):
        value = node.value
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return int(value)
        return None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Decimal"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
    ):
        raw = node.args[0].value
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and re.fullmatch(r"\d+(\.0+)?", raw):
            return int(float(raw))
    return None


def _name(node: ast.AST) -> str:
    """Return the dotted name a node reads (``policy.days``, ``row.months``), or ""."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _name(node.value)
        return f"{inner}.{node.attr}" if inner else node.attr
    if isinstance(node, ast.Call):
        return _name(node.func)
    if isinstance(node, ast.Subscript):
        return _name(node.value)
    return ""


def _rule_ish(value: int, name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in POLICY_VALUES.get(value, ()))


def _docstrings(tree: ast.AST) -> set[int]:
    """Return the ids of the docstring nodes of a module, its classes and functions."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                found.add(id(body[0].value))
    return found


def _targets(node: ast.Assign | ast.AnnAssign) -> list[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    names: list[str] = []
    for target in targets:
        elements = target.elts if isinstance(target, ast.Tuple) else [target]
        names.extend(_name(element) for element in elements)
    return [name for name in names if name]


def scan_python(source: str, path: str) -> list[Hit]:
    """Return the policy constants and raw seed codes in one Python module."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    hits: list[Hit] = []

    def flag(node: ast.AST, key: str, why: str) -> None:
        hits.append(Hit(path, getattr(node, "lineno", 0), key, why))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            for name in _targets(node):
                for value_node in values:
                    value = _literal(value_node)
                    if value is not None and _rule_ish(value, name.rsplit(".", 1)[-1]):
                        flag(node, name, f"policy value {value} bound to a rule name")
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            names = [_name(side) for side in sides]
            for side in sides:
                value = _literal(side)
                if value is not None and any(_rule_ish(value, n.rsplit(".", 1)[-1]) for n in names):
                    flag(node, ",".join(n for n in names if n), f"policy value {value} compared")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div, ast.FloorDiv)):
            for number, other in ((node.left, node.right), (node.right, node.left)):
                value = _literal(number)
                name = _name(other)
                if value is not None and name and _rule_ish(value, name.rsplit(".", 1)[-1]):
                    flag(node, name, f"policy value {value} in arithmetic")
        elif isinstance(node, ast.keyword) and node.arg in PERIOD_VALUES:
            value = _literal(node.value)
            if value in PERIOD_VALUES[node.arg]:
                flag(node.value, f"{node.arg}={value}", f"policy period {node.arg}={value}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            for pattern in (SEED_CODE, DOCUMENT_NUMBER):
                match = pattern.search(node.value)
                if match:
                    flag(node, node.value, f"raw seed code {match.group(0)!r} in a string")
    return hits


JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


def scan_template(text: str, path: str) -> list[Hit]:
    """Return raw seed codes and document numbers a template would show."""
    hits: list[Hit] = []
    shown = JINJA_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    for number, line in enumerate(shown.splitlines(), start=1):
        for pattern in (SEED_CODE, DOCUMENT_NUMBER):
            match = pattern.search(line)
            if match:
                hits.append(Hit(path, number, line.strip(), f"raw seed code {match.group(0)!r}"))
    return hits


def _all_hits() -> list[Hit]:
    hits: list[Hit] = []
    for path in _portal_files():
        hits.extend(scan_python(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))))
    for path in sorted(TEMPLATES.rglob("*")):
        if path.is_file() and path.suffix in {".html", ".txt", ".xml", ".js", ".svg"}:
            text = path.read_text(encoding="utf-8")
            hits.extend(scan_template(text, str(path.relative_to(ROOT))))
    return hits


def _allowed(hit: Hit) -> bool:
    return (hit.path, hit.key) in ALLOWLIST


def test_no_policy_constant_outside_the_profiles() -> None:
    stray = [str(hit) for hit in _all_hits() if not _allowed(hit)]
    assert not stray, (
        "Policy numbers and seed codes belong in portal/policy/profiles/*.toml "
        "(with a citation); found:\n" + "\n".join(stray)
    )


def test_every_allowlist_entry_still_matches() -> None:
    keys = {(hit.path, hit.key) for hit in _all_hits()}
    stale = [f"{path}: {key}" for path, key in ALLOWLIST if (path, key) not in keys]
    assert not stale, "fixed: remove these ALLOWLIST entries:\n" + "\n".join(stale)


# The guard itself, table-driven: what it must catch and what it must let through.
CAUGHT = [
    ("NEW_ENTRANT_MONTHS = 12", "bound to a rule name"),
    ("HOURS_PER_DAY = Decimal('8')", "bound to a rule name"),
    ("hours = days * 8", "arithmetic"),
    ("TARGET_PERCENT: int = 60", "bound to a rule name"),
    ("late = secondment_months > 6", "compared"),
    ("risky = consecutive >= 10", "compared"),
    ("WORKERS_PER_10000 = 18", "bound to a rule name"),
    ("TRAINING_HOURS = 40", "bound to a rule name"),
    ("end = start + relativedelta(months=6)", "period"),
    ("limit = timedelta(days=20)", "period"),
    ("label = _('Source: 003 §6')", "seed code"),
    ("label = f'依据 001 一(六) {x}'", "seed code"),
    ("label = '苏社〔2024〕52号'", "seed code"),
]
PASSED = [
    "widths = (10, 14, 12, 12, 14, 14, 6, 14, 14, 12, 8, 8)",
    "certified = bool(row[8])",
    "MIN_PASSWORD_LENGTH = 8",
    "MAX_QUERY = 40",
    "if code < 400: pass",
    "LOCK_SECONDS = 10",
    "phone = f'139{n:08d}'",
    "EDIT_WINDOW = timedelta(days=7)",
    "x = 1 <= int(month) <= 12",
    'def f():\n    """Rule of 003 §6 and 001 一(六)."""',
    "label = '2003 年'",
    "version = '0.03'",
]


@pytest.mark.parametrize(("source", "why"), CAUGHT)
def test_guard_catches(source: str, why: str) -> None:
    hits = scan_python(source, "x.py")
    assert hits, source
    assert why in hits[0].why


@pytest.mark.parametrize("source", PASSED)
def test_guard_lets_innocent_numbers_through(source: str) -> None:
    assert scan_python(source, "x.py") == []


def test_template_guard() -> None:
    assert scan_template("<p>{{ cite('003 §6') }}</p>", "t.html")
    assert scan_template("<p>依据 苏社〔2024〕52号</p>", "t.html")
    assert not scan_template("{# 003 §6: 每年不少于5天 #}\n<p>{{ basis }}</p>", "t.html")
    assert not scan_template("<td>{{ row.days }} 天</td>", "t.html")
