"""The platform admin's pages (/platform): the organisation tree, its admins, policy profiles.

Every view: check access → load → act → render. Only a platform admin may open these
pages (403 for everyone else, before anything is loaded, so nothing about the tree leaks).
The writes are the operations the ``flask org`` commands call; a refusal is shown on its
form with nothing changed.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.basis.listing import rule_listing
from portal.database import writes
from portal.enums import Role
from portal.extensions import db
from portal.org.models import Community, District, Street
from portal.people.access import require_role
from portal.platform import forms, operations, queries
from portal.platform import rules as platform_rules
from portal.policy.profiles import available_profiles, load_profile
from portal.timeutil import local_today
from portal.web.forms import validated
from portal.web.htmx import render
from portal.web.views import actor, commit_or_show, form_status

bp = Blueprint("platform", __name__, url_prefix="/platform")


def _require_platform_admin() -> None:
    require_role(current_user, Role.PLATFORM_ADMIN)


def _private(body, status: int = 200):
    # Phone numbers and one-time passwords: no cache may keep a copy.
    response = make_response(body, status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _get(model, object_id: int):
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    return found


# -- the tree ---------------------------------------------------------------------------


def _index_page(form: forms.DistrictForm):
    body = render(
        "platform/index.html",
        tree=queries.tree(),
        form=form,
        profiles=dict(available_profiles()),
    )
    return _private(body, form_status(form))


@bp.get("")
@login_required
def index():
    """List every district with its streets, communities and admins; add a district."""
    _require_platform_admin()
    return _index_page(forms.DistrictForm(profile="national"))


@bp.post("/districts")
@login_required
@writes
def add_district():
    """Add a district under a policy profile."""
    _require_platform_admin()
    form = forms.DistrictForm()
    if form.validate() and commit_or_show(
        form,
        lambda: operations.add_district(
            validated(form.name.data), validated(form.profile.data), actor=actor()
        ),
    ):
        flash(_("District %(name)s added.", name=form.name.data), "success")
        return redirect(url_for("platform.index"), code=303)
    return _index_page(form)


# -- a district -------------------------------------------------------------------------


def _district_page(district: District, **given):
    page_forms = {
        "rename": forms.NameForm(prefix="rename", name=district.name),
        "street": forms.NameForm(prefix="street"),
        "admin": forms.AdminForm(prefix="admin"),
    }
    page_forms.update(given)
    status = max(form_status(form) for form in page_forms.values())
    body = render(
        "platform/district.html",
        district=district,
        tree=queries.tree(district.id),
        profile=load_profile(district.policy_code),
        **page_forms,
    )
    return _private(body, status)


@bp.get("/districts/<int:district_id>")
@login_required
def district(district_id: int):
    """Show a district: its streets and admins; rename it, add a street or an admin."""
    _require_platform_admin()
    return _district_page(_get(District, district_id))


@bp.post("/districts/<int:district_id>/rename")
@login_required
@writes
def rename_district(district_id: int):
    """Rename a district."""
    _require_platform_admin()
    district = _get(District, district_id)
    form = forms.NameForm(prefix="rename")
    if form.validate() and commit_or_show(
        form, lambda: operations.rename_district(district, validated(form.name.data), actor=actor())
    ):
        flash(_("Renamed to %(name)s.", name=district.name), "success")
        return redirect(url_for("platform.district", district_id=district.id), code=303)
    db.session.refresh(district)
    return _district_page(district, rename=form)


@bp.post("/districts/<int:district_id>/streets")
@login_required
@writes
def add_street(district_id: int):
    """Add a street to a district."""
    _require_platform_admin()
    district = _get(District, district_id)
    form = forms.NameForm(prefix="street")
    if form.validate() and commit_or_show(
        form, lambda: operations.add_street(district, validated(form.name.data), actor=actor())
    ):
        flash(_("Street %(name)s added.", name=form.name.data), "success")
        return redirect(url_for("platform.district", district_id=district.id), code=303)
    return _district_page(district, street=form)


@bp.post("/districts/<int:district_id>/admins")
@login_required
@writes
def add_district_admin(district_id: int):
    """Create a district admin; show the one-time password once."""
    _require_platform_admin()
    district = _get(District, district_id)
    form = forms.AdminForm(prefix="admin")
    created = []
    if form.validate() and commit_or_show(
        form,
        lambda: created.append(
            operations.add_admin(
                phone=validated(form.phone.data),
                name=validated(form.name.data),
                district=district,
                actor=actor(),
            )
        ),
    ):
        user, password = created[0]
        back = url_for("platform.district", district_id=district.id)
        return _password_page(user, password, district.name, back)
    return _district_page(district, admin=form)


# -- a street ---------------------------------------------------------------------------


def _street_page(street: Street, **given):
    tree = queries.tree(street.district_id)
    communities = tree.communities.get(street.id, [])
    page_forms = {
        "rename": forms.NameForm(prefix="rename", name=street.name),
        "community": forms.NameForm(prefix="community"),
        "admin": forms.AdminForm(prefix="admin"),
    }
    page_forms.update({key: form for key, form in given.items() if key != "renaming"})
    renaming = given.get("renaming")  # (community id, its form) after a refused rename
    community_forms = {
        c.id: forms.NameForm(prefix=f"c{c.id}", name=c.name, formdata=None) for c in communities
    }
    if renaming is not None:
        community_forms[renaming[0]] = renaming[1]
    every = [*page_forms.values(), *community_forms.values()]
    body = render(
        "platform/street.html",
        street=street,
        communities=communities,
        community_forms=community_forms,
        admins=tree.street_admins.get(street.id, []),
        **page_forms,
    )
    return _private(body, max(form_status(form) for form in every))


@bp.get("/streets/<int:street_id>")
@login_required
def street(street_id: int):
    """Show a street: its communities and admins; rename, add a community or an admin."""
    _require_platform_admin()
    return _street_page(_get(Street, street_id))


@bp.post("/streets/<int:street_id>/rename")
@login_required
@writes
def rename_street(street_id: int):
    """Rename a street."""
    _require_platform_admin()
    street = _get(Street, street_id)
    form = forms.NameForm(prefix="rename")
    if form.validate() and commit_or_show(
        form, lambda: operations.rename_street(street, validated(form.name.data), actor=actor())
    ):
        flash(_("Renamed to %(name)s.", name=street.name), "success")
        return redirect(url_for("platform.street", street_id=street.id), code=303)
    db.session.refresh(street)
    return _street_page(street, rename=form)


@bp.post("/streets/<int:street_id>/communities")
@login_required
@writes
def add_community(street_id: int):
    """Add a community to a street."""
    _require_platform_admin()
    street = _get(Street, street_id)
    form = forms.NameForm(prefix="community")
    if form.validate() and commit_or_show(
        form, lambda: operations.add_community(street, validated(form.name.data), actor=actor())
    ):
        flash(_("Community %(name)s added.", name=form.name.data), "success")
        return redirect(url_for("platform.street", street_id=street.id), code=303)
    return _street_page(street, community=form)


@bp.post("/streets/<int:street_id>/admins")
@login_required
@writes
def add_street_admin(street_id: int):
    """Create a street admin; show the one-time password once."""
    _require_platform_admin()
    street = _get(Street, street_id)
    form = forms.AdminForm(prefix="admin")
    created = []
    if form.validate() and commit_or_show(
        form,
        lambda: created.append(
            operations.add_admin(
                phone=validated(form.phone.data),
                name=validated(form.name.data),
                street=street,
                actor=actor(),
            )
        ),
    ):
        user, password = created[0]
        back = url_for("platform.street", street_id=street.id)
        return _password_page(user, password, street.name, back)
    return _street_page(street, admin=form)


@bp.post("/communities/<int:community_id>/rename")
@login_required
@writes
def rename_community(community_id: int):
    """Rename a community."""
    _require_platform_admin()
    community = _get(Community, community_id)
    form = forms.NameForm(prefix=f"c{community.id}")
    if form.validate() and commit_or_show(
        form,
        lambda: operations.rename_community(community, validated(form.name.data), actor=actor()),
    ):
        flash(_("Renamed to %(name)s.", name=community.name), "success")
        return redirect(url_for("platform.street", street_id=community.street_id), code=303)
    db.session.refresh(community)
    return _street_page(community.street, renaming=(community.id, form))


def _password_page(user, password: str, scope: str, back: str):
    body = render("platform/password.html", user=user, password=password, scope=scope, back=back)
    return _private(body)


# -- a district's policy profile ------------------------------------------------------------


def _policy_page(district: District, chosen_code: str | None, form: forms.PolicyForm):
    current = load_profile(district.policy_code)
    codes = dict(available_profiles())
    listings = {code: rule_listing(load_profile(code)) for code in codes}
    preview = None
    if chosen_code in codes and chosen_code != district.policy_code:
        chosen = load_profile(chosen_code)
        preview = {
            "profile": chosen,
            "rules": platform_rules.rule_changes(
                listings[district.policy_code], listings[chosen_code]
            ),
            "workers": platform_rules.worker_changes(
                current, chosen, queries.district_workers(district.id), local_today()
            ),
        }
        form.profile.data = chosen_code
    body = render(
        "platform/policy.html",
        district=district,
        current=current,
        profiles=[(load_profile(code), listings[code]) for code in codes],
        preview=preview,
        form=form,
    )
    return _private(body, form_status(form))


@bp.get("/districts/<int:district_id>/policy")
@login_required
def policy(district_id: int):
    """Show every profile's rules with their sources and, for a chosen one, what would change."""
    _require_platform_admin()
    district = _get(District, district_id)
    return _policy_page(district, request.args.get("profile"), forms.PolicyForm())


@bp.post("/districts/<int:district_id>/policy")
@login_required
@writes
def set_policy(district_id: int):
    """Put the district under the previewed policy profile."""
    _require_platform_admin()
    district = _get(District, district_id)
    form = forms.PolicyForm()
    if form.validate() and commit_or_show(
        form,
        lambda: operations.set_policy_profile(
            district, validated(form.profile.data), actor=actor()
        ),
    ):
        name = dict(available_profiles())[district.policy_code]
        flash(
            _(
                "District %(district)s now follows %(profile)s.",
                district=district.name,
                profile=name,
            ),
            "success",
        )
        return redirect(url_for("platform.district", district_id=district.id), code=303)
    db.session.refresh(district)
    return _policy_page(district, form.profile.data, form)
