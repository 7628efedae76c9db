"""Import the organisation tree (district → street → community) from one .xlsx.

The same rules as the roster import: the header row is exactly the template's, every
row is checked before anything is written, and one bad row means nothing is imported.
What already exists is matched by name and left as it is (a community's population and
households are updated when the file gives other numbers), so importing the same file
twice adds nothing. A district's policy profile is chosen when it is created; a file
cannot change it (that is a decision with consequences for every worker, made on the
platform admin's page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.audit.operations import record
from portal.extensions import db
from portal.imports import validators as v
from portal.imports.reader import FileProblem, Limits, read_table
from portal.imports.report import RowError
from portal.imports.templates import Column, table_workbook
from portal.org.models import Community, District, Street
from portal.people.models import User
from portal.platform import operations
from portal.platform.operations import OrgError

TITLE = "组织架构"
DOWNLOAD_NAME = "组织架构导入模板.xlsx"


def _profile(raw: Any, column: str) -> str:
    try:
        return operations.profile_code(v.shown(raw))
    except OrgError as error:
        raise v.CellError(error.message) from None


COLUMNS: tuple[Column, ...] = (
    Column("district", "区/县", v.text(operations.NAME_MAX), required=True, width=14),
    Column(
        "profile",
        "政策配置",
        _profile,
        note="新建区/县时必填：national、jiangsu 或 shanghai_baoshan（也可填中文名）",
        width=18,
    ),
    Column("street", "街道/乡镇", v.text(operations.NAME_MAX), required=True, width=14),
    Column("community", "社区", v.text(operations.NAME_MAX), note="可选；空则只建街道", width=14),
    Column("population", "常住人口", v.whole(0, 100_000_000), note="可选", width=10),
    Column("households", "户数", v.whole(0, 100_000_000), note="可选", width=10),
)
NOTES = (
    "第一行是表头，请勿修改；从第二行起每行一条：区/县、街道/乡镇，以及可选的社区。",
    "整个文件全部通过检查才会导入：有一行出错，就一行也不导入。同一文件重复导入不会重复记录。",
    "已有的区/县、街道、社区按名称匹配，保持不变；区/县的政策配置只能在平台管理页面修改。",
)


def template() -> bytes:
    """Return the empty template with its instructions sheet."""
    return table_workbook(TITLE, COLUMNS, NOTES)


@dataclass
class OrgImportReport:
    """What the import would do, or did."""

    rows: int = 0
    districts: list[str] = field(default_factory=list)
    streets: list[str] = field(default_factory=list)
    communities: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    problem: str | None = None
    committed: bool = False

    @property
    def ok(self) -> bool:
        """Return whether the file passed every check."""
        return self.problem is None and not self.errors

    def lines(self) -> list[str]:
        """Return the report as a clerk reads it (messages, then a summary)."""
        if self.problem is not None:
            return [self.problem, _("Nothing was imported.")]
        if self.errors:
            return [e.text for e in self.errors] + [
                _("%(n)d problems found; nothing was imported.", n=len(self.errors))
            ]
        summary = _(
            "New: %(d)d districts, %(s)d streets, %(c)d communities; "
            "%(u)d communities updated, %(k)d rows already as in the file.",
            d=len(self.districts),
            s=len(self.streets),
            c=len(self.communities),
            u=len(self.updated),
            k=self.unchanged,
        )
        done = _("Imported.") if self.committed else _("Checked only; nothing was written.")
        return [
            *(f"+ {name}" for name in self.districts + self.streets + self.communities),
            summary,
            done,
        ]


@dataclass
class _Plan:
    districts: dict[str, str] = field(default_factory=dict)  # new district → its profile
    streets: dict[tuple[str, str], None] = field(default_factory=dict)  # new, in file order
    communities: dict[tuple[str, str, str], int] = field(default_factory=dict)  # → row number
    new_communities: list[tuple[int, dict]] = field(default_factory=list)
    updates: list[tuple[Community, dict]] = field(default_factory=list)


def run(data: bytes, *, actor: User | None, commit: bool, limits: Limits) -> OrgImportReport:
    """Check the file; when it passes and ``commit``, write it (the caller commits)."""
    report = OrgImportReport()
    try:
        rows = read_table(COLUMNS, TITLE, data, limits)
    except FileProblem as problem:
        report.problem = str(problem)
        return report
    report.rows = len(rows)
    plan = _Plan()
    existing = _existing()
    for row in rows:
        report.errors.extend(row.errors)
        if row.errors:
            continue
        try:
            _plan_row(row.number, row.values, existing, plan, report)
        except OrgError as error:
            report.errors.append(RowError(row.number, None, error.message))
    if not report.ok or not commit:
        return report
    _write(plan, existing, actor)
    report.committed = True
    return report


@dataclass
class _Existing:
    districts: dict[str, District]
    streets: dict[tuple[str, str], Street]
    communities: dict[tuple[str, str, str], Community]


def _existing() -> _Existing:
    """Load the whole tree as it stands, in three queries (an organisation tree is small)."""
    districts = {d.name: d for d in db.session.scalars(sa.select(District))}
    by_id = {d.id: d for d in districts.values()}
    streets = {
        (by_id[s.district_id].name, s.name): s for s in db.session.scalars(sa.select(Street))
    }
    street_key = {s.id: key for key, s in streets.items()}
    communities = {
        (*street_key[c.street_id], c.name): c for c in db.session.scalars(sa.select(Community))
    }
    return _Existing(districts, streets, communities)


def _plan_row(
    number: int, values: dict, existing: _Existing, plan: _Plan, report: OrgImportReport
) -> None:
    district = operations.clean_name(values["district"], _("district"))
    street = operations.clean_name(values["street"], _("street"))
    profile = values["profile"]
    known = existing.districts.get(district)
    if known is not None:
        if profile is not None and profile != known.policy_code:
            raise OrgError(
                _(
                    "District %(name)s already uses policy profile %(code)s; a file cannot "
                    "change it (the platform admin's page can).",
                    name=district,
                    code=known.policy_code,
                )
            )
    else:
        planned = plan.districts.get(district)
        if planned is None:
            if profile is None:
                raise OrgError(
                    _("District %(name)s is new: give its policy profile.", name=district)
                )
            plan.districts[district] = profile
            report.districts.append(district)
        elif profile is not None and profile != planned:
            raise OrgError(
                _(
                    "District %(name)s is given two policy profiles in this file.",
                    name=district,
                )
            )
    if (district, street) not in existing.streets and (district, street) not in plan.streets:
        plan.streets[(district, street)] = None
        report.streets.append(f"{district}/{street}")
    if values["community"] is None:
        if known is not None and (district, street) in existing.streets:
            report.unchanged += 1
        return
    community = operations.clean_name(values["community"], _("community"))
    key = (district, street, community)
    if key in plan.communities:
        raise OrgError(_("Same community as row %(row)d.", row=plan.communities[key]))
    plan.communities[key] = number
    numbers = {"population": values["population"], "households": values["households"]}
    stored = existing.communities.get(key)
    if stored is None:
        plan.new_communities.append((number, {"key": key, **numbers}))
        report.communities.append("/".join(key))
        return
    changed = {k: n for k, n in numbers.items() if n is not None and getattr(stored, k) != n}
    if changed:
        plan.updates.append((stored, changed))
        report.updated.append("/".join(key))
    else:
        report.unchanged += 1


def _write(plan: _Plan, existing: _Existing, actor: User | None) -> None:
    districts = dict(existing.districts)
    for name, profile in plan.districts.items():
        districts[name] = operations.add_district(name, profile, actor=actor)
    streets = dict(existing.streets)
    for district, street in plan.streets:
        streets[(district, street)] = operations.add_street(
            districts[district], street, actor=actor
        )
    for _number, item in plan.new_communities:
        district, street, name = item["key"]
        operations.add_community(
            streets[(district, street)],
            name,
            actor=actor,
            population=item["population"],
            households=item["households"],
        )
    for community, changed in plan.updates:
        before = {k: getattr(community, k) for k in changed}
        for key, value in changed.items():
            setattr(community, key, value)
        record("org.community_changed", community, actor=actor, before=before, after=changed)
    db.session.flush()
