"""The street admin's .xlsx exports: roster, training, appraisals, certificates, exit risks.

Routes on the admin blueprint (portal/admin/views.py).
"""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user, login_required

from portal import xlsx
from portal.admin import exports, forms, queries, team_queries
from portal.admin.views import bp
from portal.people.scope import AdminScope, admin_scope, scope_streets
from portal.timeutil import local_today, utcnow
from portal.web.htmx import render


def _scope_name(scope: AdminScope, streets) -> str:
    if scope.whole_district:
        return scope.district.name
    return next((street.name for street in streets if street.id == scope.street_id), "")


@bp.get("/street/exports")
@login_required
def exports_page():
    """List the exports."""
    scope = admin_scope(current_user)
    kinds = [(kind, exports.EXPORT_LABELS[kind]) for kind in exports.ExportKind]
    return render("admin/exports.html", scope=scope, kinds=kinds)


@bp.get("/street/export/<kind>.xlsx")
@login_required
def export(kind: str):
    """Download an export of the admin's street (or district) as .xlsx."""
    scope = admin_scope(current_user)
    if kind not in exports.ExportKind._value2member_map_:
        abort(404)
    kind = exports.ExportKind(kind)
    today = local_today()
    streets = scope_streets(scope)
    scope_name = _scope_name(scope, streets)
    about = exports.About(scope_name=scope_name, profile_name=scope.profile.name, now=utcnow())
    if kind is exports.ExportKind.ROSTER:
        communities = queries.scope_communities(scope)
        filters = forms.roster_filter(
            request.args,
            street_ids={street.id for street in streets},
            community_ids={community.id for community, _street in communities},
        )
        workbook = exports.roster_workbook(queries.roster_all(scope, filters, today), about)
    elif kind is exports.ExportKind.TRAINING:
        training = team_queries.training_compliance(scope, today)
        workbook = exports.training_workbook(training, about, year=today.year)
    elif kind is exports.ExportKind.APPRAISALS:
        workbook = exports.appraisals_workbook(team_queries.appraisal_grid(scope), about)
    elif kind is exports.ExportKind.CERTIFICATES:
        deadlines = team_queries.certificate_deadlines(scope, today)
        workbook = exports.certificates_workbook(deadlines, about)
    else:
        rows = team_queries.exit_risk_rows(scope, today)
        workbook = exports.exit_risks_workbook(rows, about, absence_rule=scope.profile.absence)
    return xlsx.send(workbook, exports.download_name(kind, scope_name, today))
