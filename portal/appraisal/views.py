"""The street's appraisal grid: enter a year's results row by row (htmx), then publish.

Load → check access → act → render. Role pages: a street admin enters and publishes
their street's results; a district admin reads any street of the district (every write
answers 403); other roles get 403; a worker outside the admin's street answers 404.
The grid is paged and can be narrowed to a community or a search; a row saved or the year
published without htmx comes back to the same view (the forms' actions carry it).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from portal.appraisal import operations, queries
from portal.appraisal.forms import PublishForm, ResultRowForm
from portal.database import writes
from portal.enums import AppraisalResult
from portal.extensions import db
from portal.org.models import Street
from portal.people.scope import AdminScope, admin_scope, scope_streets, worker_in_scope
from portal.refusals import Refused
from portal.timeutil import local_today, utcnow
from portal.web.forms import vocabulary_choices
from portal.web.htmx import is_fragment_request
from portal.web.views import actor, commit_or_abort, commit_or_refusal, show_on_form

bp = Blueprint("appraisal", __name__)

FIRST_YEAR = 2000  # the table's check constraint: 2000–2100
YEARS_SHOWN = 6
MAX_QUERY = 40  # the search box's maxlength
MAX_PAGE = 10_000


def default_year(today) -> int:
    """Return the year the grid opens on: last year until June, then this year."""
    return today.year - 1 if today.month <= 6 else today.year


def _year(value: int | None, today) -> int:
    if value is None:
        return default_year(today)
    if not FIRST_YEAR <= value <= today.year:
        abort(404)
    return value


def _street(scope: AdminScope, streets: list[Street]) -> Street:
    """Return the street shown: the admin's own, or the one a district admin chose."""
    wanted = scope.street_id
    if scope.whole_district:
        wanted = request.args.get("street", type=int) or scope.street_id
    chosen = next((s for s in streets if s.id == wanted), None)
    if chosen is None:
        if not streets:
            abort(404)
        chosen = streets[0]
    return chosen


@dataclass(frozen=True)
class RowFields:
    """What one grid row's inputs show: each field's value and errors.

    Drawn straight by the template: a WTForms form per row (and its rendering) cost most of
    the page's time; a form is built only for the row being saved.
    """

    prefix: str  # the row form's prefix: inputs are named "<prefix>-<field>"
    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)


ROW_FIELDS = ("result", "score", "comment", "reason")


def _row_fields(row: queries.GridRow) -> RowFields:
    """Return a row's inputs as saved."""
    appraisal = row.appraisal
    values = dict.fromkeys(ROW_FIELDS, "")
    if appraisal is not None:
        values["result"] = appraisal.result.value
        values["score"] = "" if appraisal.score is None else f"{appraisal.score.normalize():f}"
        values["comment"] = appraisal.comment or ""
    return RowFields(f"w{row.worker_id}", values)


def _fields_of(form: ResultRowForm, worker_id: int) -> RowFields:
    """Return a submitted row form's inputs as typed, with their errors."""
    errors = {name: [str(e) for e in form[name].errors] for name in ROW_FIELDS if form[name].errors}
    if form.form_errors:  # a refusal that names no field
        errors["_row"] = [str(e) for e in form.form_errors]
    return RowFields(f"w{worker_id}", {name: form[name].data or "" for name in ROW_FIELDS}, errors)


def row_labels() -> dict[str, str]:
    """Return the words every grid row repeats, translated once per page, not per row."""
    return {
        "result": _("Result"),
        "score": _("Score"),
        "comment": _("Comment"),
        "reason": _("Reason for changing the result"),
        "saving": _("Saving…"),
        "saved": _("Saved"),
        "unchanged": _("No change"),
        "not_saved": _("Not saved"),
        "published": _("Published"),
        "not_published": _("Not published"),
        "save": _("Save"),
    }


def _result_choices() -> list[tuple[str, str]]:
    return [("", "—"), *vocabulary_choices(AppraisalResult)]


def _years(street_id: int, year: int, today) -> list[int]:
    recent = set(range(today.year, max(FIRST_YEAR, today.year - YEARS_SHOWN) - 1, -1))
    return sorted(recent | set(queries.street_years(street_id)) | {year}, reverse=True)


def _publication(counts: queries.YearCounts) -> dict:
    """Return where the year stands (the whole street's grid): entered, published, since when."""
    return {
        "rows_total": counts.rows_total,
        "entered": counts.entered,
        "unpublished": counts.entered - counts.published,
        "year_published": counts.published > 0,
        "published_at": counts.published_at,
        "publish_form": PublishForm(),
    }


def _grid_view() -> queries.GridView:
    """Read the rows shown from the query string: community, search, page (unchecked ids)."""
    community = (request.args.get("community") or "").strip()
    return queries.GridView(
        community_id=int(community) if community.isdigit() else None,
        q=(request.args.get("q") or "").strip()[:MAX_QUERY],
        page=min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE),
    )


def _view_args(view: queries.GridView, *, page: int | None = None) -> dict:
    """Return the query-string arguments that keep a view (for links, forms, redirects)."""
    page = view.page if page is None else page
    args = {"community": view.community_id, "q": view.q or None, "page": page if page > 1 else None}
    return {key: value for key, value in args.items() if value is not None}


def _grid_page(scope, streets, street, year, view, *, forms=None, statuses=None, status=200):
    today = local_today()
    communities = queries.street_communities(street.id)
    if view.community_id not in {c.id for c in communities}:  # another street's: ignored
        view = dataclasses.replace(view, community_id=None)
    grid = queries.street_grid_page(street.id, year, view)
    view = dataclasses.replace(view, page=grid.page)
    rows = grid.rows
    forms = forms or {}
    street_arg = {"street": street.id} if scope.whole_district else {}
    page = render_template(
        "appraisal/grid.html",
        scope=scope,
        streets=streets,
        street=street,
        year=year,
        years=_years(street.id, year, today),
        communities=communities,
        view=view,
        grid=grid,
        # the view's arguments: rows' and publish form's actions, pages, years
        view_args=_view_args(view),
        page_args={**street_arg, **_view_args(view, page=1)},
        rows=rows,
        fields={r.worker_id: forms.get(r.worker_id) or _row_fields(r) for r in rows},
        result_choices=_result_choices(),
        labels=row_labels(),
        csrf=generate_csrf(),
        statuses=statuses or {},
        can_write=scope.can_write_street(street.id),
        **_publication(queries.year_counts(street.id, year)),
    )
    return page, status


@bp.get("/street/appraisals")
@login_required
def grid():
    """Show the street's results of a year, one row per worker, editable by the street.

    50 rows a page; ``community`` and ``q`` (name, phone or staff number) narrow the rows.
    """
    scope = admin_scope(current_user)
    streets = scope_streets(scope)
    street = _street(scope, streets)
    year = _year(request.args.get("year", type=int), local_today())
    return _grid_page(scope, streets, street, year, _grid_view())


def _row(
    scope: AdminScope,
    street_id: int,
    year: int,
    row: queries.GridRow,
    fields: RowFields,
    status: str,
    code: int,
):
    """Answer a row save: the row for htmx, the whole grid (or a redirect) without it.

    The row's action carries the view it was saved from (page, community, search): the
    answer without htmx shows that view again.
    """
    view = _grid_view()
    if is_fragment_request():
        body = render_template(
            "appraisal/_row.html",
            year=year,
            row=row,
            fields=fields,
            result_choices=_result_choices(),
            labels=row_labels(),
            csrf=generate_csrf(),
            status=status,
            can_write=True,
            year_published=queries.year_published(street_id, year),
            view_args=_view_args(view),
        )
        if code < 400:  # the year's counts and publish button follow the saved row
            body += render_template(
                "appraisal/_publication.html",
                year=year,
                can_write=True,
                oob=True,
                view_args=_view_args(view),
                **_publication(queries.year_counts(street_id, year)),
            )
        return body, code
    if code < 400:
        flash(_("Saved: %(name)s.", name=row.name), "success")
        url = url_for(
            "appraisal.grid", year=year, **_view_args(view), _anchor=f"row-{row.worker_id}"
        )
        return redirect(url, code=303)
    streets = scope_streets(scope)
    street = next(s for s in streets if s.id == street_id)
    return _grid_page(
        scope,
        streets,
        street,
        year,
        view,
        forms={row.worker_id: fields},
        statuses={row.worker_id: status},
        status=code,
    )


@bp.post("/street/appraisals/<int:year>/workers/<int:worker_id>")
@login_required
@writes
def save_row(year: int, worker_id: int):
    """Save one worker's result; after publication only with a reason (audited)."""
    scope = admin_scope(current_user)
    street_id = scope.require_write()
    worker = worker_in_scope(scope, worker_id, write=True)
    year = _year(year, local_today())
    row = queries.grid_row(worker.user_id, year)
    form = ResultRowForm(prefix=f"w{worker.user_id}")
    if not form.validate_on_submit():
        return _row(scope, street_id, year, row, _fields_of(form, worker_id), "error", 422)
    street_published = queries.year_published(worker.community.street_id, year)
    saved = commit_or_refusal(
        lambda: operations.save_result(
            worker,
            year,
            form.result_data(),
            existing=row.appraisal,
            year_published=street_published,
            reason=form.reason_text,
            actor=actor(),
            now=utcnow(),
        )
    )
    if isinstance(saved, Refused):
        show_on_form(form, saved)
        row = queries.grid_row(worker_id, year)
        return _row(scope, street_id, year, row, _fields_of(form, worker_id), "error", saved.status)
    row = queries.grid_row(worker_id, year)
    status = "unchanged" if saved.outcome is operations.Outcome.UNCHANGED else "saved"
    return _row(scope, street_id, year, row, _row_fields(row), status, 200)


@bp.post("/street/appraisals/<int:year>/publish")
@login_required
@writes
def publish(year: int):
    """Publish the street's results of a year; each worker is told once."""
    scope = admin_scope(current_user)
    street_id = scope.require_write()
    year = _year(year, local_today())
    if not PublishForm().validate_on_submit():
        abort(400)
    street = db.session.get_one(Street, street_id)
    report = commit_or_abort(
        lambda: operations.publish_year(street, year, actor=actor(), now=utcnow())
    )
    if report.published:
        flash(
            " ".join(
                (
                    ngettext(
                        "Published %(n)d result of %(year)d.",
                        "Published %(n)d results of %(year)d.",
                        report.published,
                        n=report.published,
                        year=year,
                    ),
                    ngettext(
                        "%(told)d worker was notified.",
                        "%(told)d workers were notified.",
                        report.notified,
                        told=report.notified,
                    ),
                )
            ),
            "success",
        )
    else:
        flash(_("There was nothing new to publish."), "success")
    return redirect(url_for("appraisal.grid", year=year, **_view_args(_grid_view())), code=303)
