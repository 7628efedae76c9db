"""Run an import: read, check, plan and — only when every row is valid — write.

The caller owns the transaction: it commits after a successful run and rolls back
otherwise, so one bad row leaves the database exactly as it was.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.audit import operations as audit
from portal.extensions import db
from portal.imports.absence import AbsencePlanner
from portal.imports.appraisals import AppraisalPlanner
from portal.imports.care import CarePlanner
from portal.imports.certificates import CertificatePlanner
from portal.imports.common import Context
from portal.imports.reader import FileProblem, Limits, read_rows
from portal.imports.report import ImportReport
from portal.imports.roster import RosterPlanner
from portal.imports.templates import Kind
from portal.org.models import Street
from portal.people.models import User
from portal.policy.profiles import load_profile

PLANNERS = {
    Kind.ROSTER: RosterPlanner,
    Kind.APPRAISALS: AppraisalPlanner,
    Kind.CERTIFICATES: CertificatePlanner,
    Kind.CARE: CarePlanner,
    Kind.ABSENCE: AbsencePlanner,
}

_STREET = (
    sa.select(Street)
    .options(joinedload(Street.district), joinedload(Street.communities))
    .where(Street.id == sa.bindparam("street_id"))
)


def load_street(street_id: int) -> Street | None:
    """Return a street with its district and communities (one query)."""
    return db.session.execute(_STREET, {"street_id": street_id}).unique().scalar_one_or_none()


def _context(street: Street, actor: User | None, today: date) -> Context:
    return Context(
        street=street,
        profile=load_profile(street.district.policy_code),
        today=today,
        actor=actor,
        communities={community.name: community for community in street.communities},
    )


def run_import(
    data: bytes,
    kind: Kind,
    *,
    street: Street,
    actor: User | None,
    today: date,
    filename: str,
    commit: bool,
    limits: Limits,
    via: str = "web",
) -> ImportReport:
    """Check a file and, if ``commit`` and every row is valid, write it (caller commits)."""
    report = ImportReport(kind=kind, filename=filename)
    try:
        rows = read_rows(kind, data, limits)
    except FileProblem as problem:
        report.problem = problem.message
        return report
    report.rows = len(rows)
    if not rows:
        report.problem = _("The file has no rows to import below the header row.")
        return report
    planner = PLANNERS[kind](_context(street, actor, today), report)
    planner.plan(rows)
    report.sort()
    if commit and report.ok:
        planner.apply()
        audit.record(
            "import_committed",
            street,
            actor=actor,
            kind=kind.value,
            filename=filename,
            via=via,
            rows=report.rows,
            created=len(report.created),
            updated=len(report.updated),
            unchanged=report.unchanged,
        )
        report.committed = True
    return report
