"""Writes of the organisation tree and its admin accounts, for operators (CLI) and imports.

Every function checks everything first and raises ``OrgError`` (a message a person
reads) before it adds anything, so a refused call leaves the session as it was. Writes
flush, never commit; the caller commits. Each change is audited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.admin.operations import one_time_password
from portal.audit.operations import record
from portal.enums import Role
from portal.extensions import db
from portal.imports.validators import PHONE_RE
from portal.org.models import Community, District, Street
from portal.people.models import User, UserRole
from portal.policy.profiles import available_profiles
from portal.refusals import Refused

NAME_MAX = 64  # the name columns' length
# Names are shown everywhere and "/" joins a district and a street in a reference.
_BAD_NAME = re.compile(r"[/\x00-\x1f\x7f]")


class OrgError(Refused):
    """A request to change the organisation tree that was refused; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def clean_name(raw: str | None, what: str) -> str:
    """Return a trimmed name, or refuse an empty, too long or unprintable one."""
    name = (raw or "").strip()
    if not name:
        raise OrgError(_("The %(what)s name is empty.", what=what))
    if len(name) > NAME_MAX:
        raise OrgError(
            _("The %(what)s name is longer than %(n)d characters.", what=what, n=NAME_MAX)
        )
    if _BAD_NAME.search(name):
        raise OrgError(_('The %(what)s name "%(name)s" may not contain "/".', what=what, name=name))
    return name


def profile_code(raw: str) -> str:
    """Return a stored profile's code (given by code or Chinese name), or refuse it."""
    known = available_profiles()
    for code, name in known:
        if raw.strip() in (code, name):
            return code
    choices = "、".join(f"{code}（{name}）" for code, name in known)
    raise OrgError(
        _("Unknown policy profile %(given)s; available: %(choices)s.", given=raw, choices=choices)
    )


def district_named(name: str) -> District:
    """Return the district of this name, or refuse."""
    district = db.session.scalar(sa.select(District).where(District.name == name.strip()))
    if district is None:
        raise OrgError(_("There is no district named %(name)s.", name=name.strip()))
    return district


def street_named(ref: str) -> Street:
    """Return the street ``ref`` names: "街道" when unique, else "区/街道"; or refuse."""
    district_name, _sep, street_name = ref.strip().rpartition("/")
    stmt = sa.select(Street).join(District).where(Street.name == street_name.strip())
    if district_name:
        stmt = stmt.where(District.name == district_name.strip())
    found: Sequence[Street] = db.session.scalars(stmt.order_by(District.name)).all()
    if not found:
        raise OrgError(_("There is no street named %(name)s.", name=ref.strip()))
    if len(found) > 1:
        choices = "、".join(f"{s.district.name}/{s.name}" for s in found)
        raise OrgError(
            _(
                "Several districts have a street named %(name)s; name it with its district: "
                "%(choices)s.",
                name=street_name.strip(),
                choices=choices,
            )
        )
    return found[0]


def add_district(name: str, profile: str, *, actor: User | None) -> District:
    """Create a district under a policy profile."""
    name = clean_name(name, _("district"))
    code = profile_code(profile)
    if db.session.scalar(sa.select(District.id).where(District.name == name)) is not None:
        raise OrgError(_("A district named %(name)s already exists.", name=name))
    district = District(name=name, policy_code=code)
    db.session.add(district)
    db.session.flush()
    record("org.district_added", district, actor=actor, name=name, policy=code)
    return district


def add_street(district: District, name: str, *, actor: User | None) -> Street:
    """Create a street in a district."""
    name = clean_name(name, _("street"))
    taken = sa.select(Street.id).where(Street.district_id == district.id, Street.name == name)
    if db.session.scalar(taken) is not None:
        raise OrgError(
            _(
                "District %(district)s already has a street named %(name)s.",
                district=district.name,
                name=name,
            )
        )
    street = Street(district=district, name=name)
    db.session.add(street)
    db.session.flush()
    record("org.street_added", street, actor=actor, name=name, district=district.name)
    return street


def add_community(
    street: Street,
    name: str,
    *,
    actor: User | None,
    population: int | None = None,
    households: int | None = None,
) -> Community:
    """Create a community in a street."""
    name = clean_name(name, _("community"))
    taken = sa.select(Community.id).where(Community.street_id == street.id, Community.name == name)
    if db.session.scalar(taken) is not None:
        raise OrgError(
            _(
                "Street %(street)s already has a community named %(name)s.",
                street=street.name,
                name=name,
            )
        )
    community = Community(street=street, name=name, population=population, households=households)
    db.session.add(community)
    db.session.flush()
    record(
        "org.community_added",
        community,
        actor=actor,
        name=name,
        street=street.name,
        district=street.district.name,
    )
    return community


def _new_login(phone: str, name: str) -> tuple[str, str]:
    """Return the cleaned phone and name of a new account, or refuse them."""
    phone = phone.strip().replace(" ", "").replace("-", "")
    if not PHONE_RE.match(phone):
        raise OrgError(_("%(phone)s is not an 11-digit mobile number.", phone=phone))
    name = clean_name(name, _("person"))
    holder = db.session.scalar(sa.select(User.name).where(User.phone == phone))
    if holder is not None:
        raise OrgError(
            _("Phone number %(phone)s already has an account (%(name)s).", phone=phone, name=holder)
        )
    return phone, name


def add_admin(
    *,
    phone: str,
    name: str,
    street: Street | None = None,
    district: District | None = None,
    actor: User | None,
) -> tuple[User, str]:
    """Create a street or district admin; return the account and its one-time password."""
    if (street is None) == (district is None):
        raise OrgError(_("Give either a street or a district for the admin."))
    phone, name = _new_login(phone, name)
    password = one_time_password()
    role = Role.STREET_ADMIN if street is not None else Role.DISTRICT_ADMIN
    user = User(
        phone=phone,
        name=name,
        street_id=street.id if street is not None else None,
        district_id=district.id if district is not None else None,
        must_change_password=True,
    )
    user.set_password(password)
    user.role_rows = [UserRole(role=role)]
    db.session.add(user)
    db.session.flush()
    scope = street if street is not None else district
    record("org.admin_added", user, actor=actor, role=role.value, of=getattr(scope, "name", None))
    return user, password


def add_platform_admin(*, phone: str, name: str, actor: User | None) -> tuple[User, str]:
    """Create a platform admin (sets up every district); return the account and its password."""
    phone, name = _new_login(phone, name)
    password = one_time_password()
    user = User(phone=phone, name=name, must_change_password=True)
    user.set_password(password)
    user.role_rows = [UserRole(role=Role.PLATFORM_ADMIN)]
    db.session.add(user)
    db.session.flush()
    record("org.admin_added", user, actor=actor, role=Role.PLATFORM_ADMIN.value, of=None)
    return user, password


def rename_district(district: District, name: str, *, actor: User | None) -> District:
    """Rename a district; refuse a name another district has."""
    name = clean_name(name, _("district"))
    if name == district.name:
        raise OrgError(_("The district is already called %(name)s.", name=name))
    taken = sa.select(District.id).where(District.name == name, District.id != district.id)
    if db.session.scalar(taken) is not None:
        raise OrgError(_("A district named %(name)s already exists.", name=name))
    old = district.name
    district.name = name
    db.session.flush()
    record("org.district_renamed", district, actor=actor, old=old, new=name)
    return district


def rename_street(street: Street, name: str, *, actor: User | None) -> Street:
    """Rename a street; refuse a name another street of its district has."""
    name = clean_name(name, _("street"))
    if name == street.name:
        raise OrgError(_("The street is already called %(name)s.", name=name))
    taken = sa.select(Street.id).where(
        Street.district_id == street.district_id, Street.name == name, Street.id != street.id
    )
    if db.session.scalar(taken) is not None:
        raise OrgError(
            _(
                "District %(district)s already has a street named %(name)s.",
                district=street.district.name,
                name=name,
            )
        )
    old = street.name
    street.name = name
    db.session.flush()
    record(
        "org.street_renamed", street, actor=actor, old=old, new=name, district=street.district.name
    )
    return street


def rename_community(community: Community, name: str, *, actor: User | None) -> Community:
    """Rename a community; refuse a name another community of its street has."""
    name = clean_name(name, _("community"))
    if name == community.name:
        raise OrgError(_("The community is already called %(name)s.", name=name))
    taken = sa.select(Community.id).where(
        Community.street_id == community.street_id,
        Community.name == name,
        Community.id != community.id,
    )
    if db.session.scalar(taken) is not None:
        raise OrgError(
            _(
                "Street %(street)s already has a community named %(name)s.",
                street=community.street.name,
                name=name,
            )
        )
    old = community.name
    community.name = name
    db.session.flush()
    record(
        "org.community_renamed",
        community,
        actor=actor,
        old=old,
        new=name,
        street=community.street.name,
    )
    return community


def set_policy_profile(district: District, profile: str, *, actor: User | None) -> District:
    """Put a district under another policy profile; refuse an unknown or unchanged one."""
    code = profile_code(profile)
    if code == district.policy_code:
        raise OrgError(
            _("District %(name)s already follows this policy profile.", name=district.name)
        )
    old = district.policy_code
    district.policy_code = code
    db.session.flush()
    record("org.policy_changed", district, actor=actor, old=old, new=code)
    return district
