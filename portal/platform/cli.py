"""`flask --app portal org …`: set up a district's organisation and its admins.

    org add-district NAME --profile national|jiangsu|shanghai_baoshan
    org add-street DISTRICT_NAME NAME
    org add-community STREET_NAME NAME          (STREET_NAME may be "区/街道")
    org add-admin (--street STREET_NAME | --district DISTRICT_NAME) --phone PHONE --name NAME
    org add-platform-admin --phone PHONE --name NAME   (sets up every district, on /platform)
    org list
    org template FILE.xlsx                       (the org-tree import template)
    org import FILE.xlsx [--dry-run]             (district → street → community, all or nothing)

Every command checks first and changes nothing when it refuses: a message and exit
status 1. Messages are in the portal's default language (no request, no user).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.database import writing
from portal.enums import Role
from portal.extensions import db
from portal.imports.reader import Limits
from portal.org.models import Community, District, Street
from portal.people.models import User, UserRole
from portal.platform import operations, tree_import
from portal.platform.operations import OrgError
from portal.policy.profiles import available_profiles


def _refusing(callback: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command in the default language; an OrgError becomes exit 1, nothing written."""

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            try:
                return callback(*args, **kwargs)
            except OrgError as error:
                db.session.rollback()
                raise click.ClickException(error.message) from None

    return run


@click.group("org")
def org_command() -> None:
    """Set up districts, streets, communities and their admins."""


@org_command.command("add-district")
@click.argument("name")
@click.option(
    "--profile",
    required=True,
    help="The policy profile the district follows: national, jiangsu or shanghai_baoshan.",
)
@with_appcontext
@_refusing
def add_district(name: str, profile: str) -> None:
    """Create a district under a policy profile."""
    with writing():
        district = operations.add_district(name, profile, actor=None)
        db.session.commit()
    click.echo(
        _("District %(name)s added (policy profile %(code)s).", name=district.name, code=profile)
    )


@org_command.command("add-street")
@click.argument("district_name")
@click.argument("name")
@with_appcontext
@_refusing
def add_street(district_name: str, name: str) -> None:
    """Create a street in a district."""
    with writing():
        street = operations.add_street(operations.district_named(district_name), name, actor=None)
        db.session.commit()
    click.echo(
        _("Street %(name)s added to %(district)s.", name=street.name, district=street.district.name)
    )


@org_command.command("add-community")
@click.argument("street_name")
@click.argument("name")
@with_appcontext
@_refusing
def add_community(street_name: str, name: str) -> None:
    """Create a community in a street ("区/街道" when several districts have the street)."""
    with writing():
        street = operations.street_named(street_name)
        community = operations.add_community(street, name, actor=None)
        db.session.commit()
    click.echo(
        _("Community %(name)s added to %(street)s.", name=community.name, street=street.name)
    )


@org_command.command("add-admin")
@click.option("--street", "street_name", help="The street the admin manages.")
@click.option("--district", "district_name", help="The district the admin reads.")
@click.option("--phone", required=True, help="11-digit mobile number: the admin's login.")
@click.option("--name", required=True, help="The admin's name.")
@with_appcontext
@_refusing
def add_admin(street_name: str | None, district_name: str | None, phone: str, name: str) -> None:
    """Create a street or district admin and print a one-time password."""
    if (street_name is None) == (district_name is None):
        raise OrgError(_("Give exactly one of --street and --district."))
    with writing():
        street = operations.street_named(street_name) if street_name is not None else None
        district = operations.district_named(district_name) if district_name is not None else None
        user, password = operations.add_admin(
            phone=phone, name=name, street=street, district=district, actor=None
        )
        db.session.commit()
    scope = street.name if street is not None else district.name if district is not None else ""
    click.echo(
        _(
            "Admin %(name)s (%(phone)s) added for %(scope)s.",
            name=user.name,
            phone=user.phone,
            scope=scope,
        )
    )
    click.echo(
        _(
            "One-time password: %(password)s — it works once and must be changed at the "
            "first sign-in.",
            password=password,
        )
    )


@org_command.command("add-platform-admin")
@click.option("--phone", required=True, help="11-digit mobile number: the admin's login.")
@click.option("--name", required=True, help="The admin's name.")
@with_appcontext
@_refusing
def add_platform_admin(phone: str, name: str) -> None:
    """Create a platform admin (the /platform pages) and print a one-time password."""
    with writing():
        user, password = operations.add_platform_admin(phone=phone, name=name, actor=None)
        db.session.commit()
    click.echo(_("Platform admin %(name)s (%(phone)s) added.", name=user.name, phone=user.phone))
    click.echo(
        _(
            "One-time password: %(password)s — it works once and must be changed at the "
            "first sign-in.",
            password=password,
        )
    )


@org_command.command("list")
@with_appcontext
@_refusing
def list_tree() -> None:
    """Print every district, street and community with its admins."""
    districts = db.session.scalars(sa.select(District).order_by(District.name)).all()
    streets = db.session.scalars(sa.select(Street).order_by(Street.name)).all()
    communities = db.session.scalars(sa.select(Community).order_by(Community.name)).all()
    admins = db.session.execute(
        sa.select(User.name, User.phone, User.street_id, User.district_id, UserRole.role)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_([Role.STREET_ADMIN, Role.DISTRICT_ADMIN]))
        .order_by(User.name)
    ).all()
    names = dict(available_profiles())
    if not districts:
        click.echo(_("No district yet: start with `flask --app portal org add-district`."))
        return
    for district in districts:
        heads = [
            f"{a.name} {a.phone}"
            for a in admins
            if a.role == Role.DISTRICT_ADMIN and a.district_id == district.id
        ]
        profile = names.get(district.policy_code, district.policy_code)
        click.echo(f"{district.name}  [{district.policy_code} {profile}]" + _admins(heads))
        for street in (s for s in streets if s.district_id == district.id):
            staff = [
                f"{a.name} {a.phone}"
                for a in admins
                if a.role == Role.STREET_ADMIN and a.street_id == street.id
            ]
            click.echo(f"  {street.name}" + _admins(staff))
            for community in (c for c in communities if c.street_id == street.id):
                click.echo(f"    {community.name}")


def _admins(people: list[str]) -> str:
    return "  " + _("admins: %(names)s", names="、".join(people)) if people else ""


@org_command.command("template")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
@_refusing
def write_template(file: Path) -> None:
    """Write the org-tree import template (.xlsx)."""
    file.write_bytes(tree_import.template())
    click.echo(str(file))


@org_command.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report only; change nothing.")
@with_appcontext
@_refusing
def import_tree(file: Path, dry_run: bool) -> None:
    """Import districts, streets and communities from an .xlsx (all rows or none)."""
    limits = Limits.from_config(current_app.config)
    if file.stat().st_size > limits.file_bytes:
        raise OrgError(_("The file is larger than %(mb)g MB.", mb=limits.file_bytes / 2**20))
    data = file.read_bytes()
    with nullcontext() if dry_run else writing():
        report = tree_import.run(data, actor=None, commit=not dry_run, limits=limits)
        if report.committed:
            db.session.commit()
        else:
            db.session.rollback()
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        raise SystemExit(1)
