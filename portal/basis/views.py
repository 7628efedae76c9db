"""The 政策依据 page, and the helpers that let any page show a rule's source.

Every view: load → check access → act → render.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from markupsafe import Markup

from portal.basis.listing import adopted_note, documents_cited, rule_listing
from portal.extensions import db
from portal.org.models import Community, District, Street
from portal.people.models import User, WorkerProfile
from portal.policy.citations import cite
from portal.policy.model import PolicyProfile
from portal.policy.profiles import DEFAULT_PROFILE, load_profile
from portal.web.htmx import render

bp = Blueprint("basis", __name__)


def district_of(user: User) -> District | None:
    """Return the district whose profile applies to ``user`` (one query), if any."""
    worker_district = (
        sa.select(District)
        .join(Street, Street.district_id == District.id)
        .join(Community, Community.street_id == Street.id)
        .join(WorkerProfile, WorkerProfile.community_id == Community.id)
        .where(WorkerProfile.user_id == user.id)
    )
    district = db.session.scalars(worker_district).first()
    if district is not None:
        return district
    if user.street_id is not None:
        statement = sa.select(District).join(Street).where(Street.id == user.street_id)
        return db.session.scalars(statement).first()
    if user.district_id is not None:
        return db.session.get(District, user.district_id)
    return None


@bp.get("/policy")
@login_required
def index():
    """List each rule of the user's own profile, its value, document, article and excerpt."""
    district = district_of(current_user)  # load
    # access: every signed-in user reads the rules that apply to them
    profile = load_profile(district.policy_code if district is not None else DEFAULT_PROFILE)
    sections = rule_listing(profile)
    return render(
        "basis/index.html",
        profile=profile,
        district=district,
        sections=sections,
        documents=documents_cited(sections),
    )


@bp.app_template_global("rule_source")
def rule_source(profile: PolicyProfile, key: str) -> Markup:
    """Render a rule's source for any page: "依据：苏社〔2024〕52号 第6条" linked to 政策依据.

    A product setting reads as such; a value adopted from another place says so; a rule
    the profile does not cite renders nothing.
    """
    source = profile.source(key)
    if source is None:
        return Markup("")
    return _source_html(source.citation, key, adopted_note(source))


@bp.app_template_global("cite_link")
def cite_link(citation: str, anchor: str = "") -> Markup:
    """Render a citation ("003 §11(2)") as its short form linked to 政策依据; "" renders nothing."""
    if not citation:
        return Markup("")
    return _source_html(citation, anchor, "")


def _source_html(citation: str, anchor: str, note: str) -> Markup:
    href = url_for("basis.index") + (f"#{anchor}" if anchor else "")
    html = Markup('<a class="cite" href="{}">{}</a>').format(
        href, gettext("Basis: %(source)s", source=cite(citation))
    )
    if note:
        html += Markup(' <span class="cite-note">{}</span>').format(note)
    return html
