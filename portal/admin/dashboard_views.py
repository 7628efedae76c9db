"""The team dashboard (团队概况): the street's numbers against the policies' targets.

Load → check access → act → render. A role page: street admins see their street;
district admins see every street of their district, with a street selector, read-only
(the page changes nothing for anyone); other roles get 403.
"""

from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.admin import charts, dashboard, rotation, team_queries
from portal.admin.exports import risk_text
from portal.admin.figures import TeamFigures
from portal.labels import label
from portal.people.scope import admin_scope, scope_streets
from portal.policy.citations import cite
from portal.timeutil import local_today
from portal.web.htmx import render
from portal.web.paging import Page, clamp_page

bp = Blueprint("dashboard", __name__)

# The colour of each post type in the grade chart (classes in static/css/dashboard.css).
POST_KEYS = {"head": "head", "deputy": "deputy", "staff": "staff"}


def grade_chart(figures: TeamFigures):
    """Return the grade distribution as an accessible stacked SVG bar chart."""
    grades = sorted(figures.grades)
    series = [
        charts.Series(
            key=POST_KEYS[post.value],
            label=label(post),
            values=[figures.grades[grade][post] for grade in grades],
        )
        for post in figures.post_types
    ]
    parts = []
    for grade in grades:
        counts = figures.grades[grade]
        total = sum(counts.values())
        if total:
            detail = "、".join(
                f"{label(post)} {counts[post]}" for post in figures.post_types if counts[post]
            )
            parts.append(
                _("grade %(grade)d: %(n)d (%(detail)s)", grade=grade, n=total, detail=detail)
            )
    description = (
        _("Workers by grade: %(list)s.", list="; ".join(parts))
        if parts
        else _("No workers on the team yet.")
    )
    return charts.stacked_bars(
        [str(grade) for grade in grades],
        series,
        chart_id="grade-chart",
        title=_("Grade distribution (三岗十八级)"),
        description=description,
        segment_label=_("Grade %(category)s · %(series)s: %(value)d"),
    )


ROTATION_PER_PAGE = 100


def _narrowed_scope():
    """Return (scope, streets, view, whole, street_id, title) of the dashboard's request."""
    scope = admin_scope(current_user)
    streets = scope_streets(scope)
    view = dashboard.narrowed(scope, request.args.get("street", type=int), streets)
    whole = view is scope and scope.whole_district
    street_id = None if whole else view.street_id
    title = (
        scope.district.name
        if whole
        else next((street.name for street in streets if street.id == street_id), "")
    )
    return scope, streets, view, whole, street_id, title


@bp.get("/street/dashboard")
@login_required
def index():
    """Show the team's figures: headcount, grades, targets, training, deadlines, risks."""
    scope, streets, view, whole, street_id, title = _narrowed_scope()
    figures = dashboard.team_figures(view, local_today(), streets=streets if whole else ())
    return render(
        "admin/dashboard.html",
        scope=scope,
        streets=streets,
        chosen=street_id if scope.whole_district else None,
        whole=whole,
        scope_title=title,
        figures=figures,
        chart=grade_chart(figures),
        risk_text=risk_text,
        action_labels=team_queries.ACTION_LABELS,
        shown=dashboard.SHOWN_ROWS,
        window_days=team_queries.DEADLINE_WINDOW_DAYS,
        cite=cite,
    )


@bp.get("/street/dashboard/rotation")
@login_required
def rotation_due():
    """List who is still due for county-level training this year [003 §6, 004 §8]."""
    scope, streets, view, whole, street_id, title = _narrowed_scope()
    today = local_today()
    rows = rotation.still_due(view, today)
    page = clamp_page(request.args.get("page", 1, type=int), len(rows), ROTATION_PER_PAGE)
    start = (page - 1) * ROTATION_PER_PAGE
    return render(
        "admin/rotation.html",
        scope=scope,
        whole=whole,
        chosen=street_id if scope.whole_district else None,
        scope_title=title,
        policy=view.profile.rotation,
        year=today.year,
        page=Page(rows[start : start + ROTATION_PER_PAGE], len(rows), page, ROTATION_PER_PAGE),
        cite=cite,
    )
