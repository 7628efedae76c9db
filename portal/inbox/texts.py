"""The words of reminders, in the user's language (called inside ``force_locale``).

They live here, in the portal package, so the message catalogue picks them up; the
scheduler's reminder rules (``notifications.reminders``) call these functions.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_date, format_time, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# What the settings page calls each reminder kind.
KIND_LABELS = {
    "training_tomorrow": _l("Training tomorrow"),
    "training_soon": _l("Training in one hour"),
    "certificate_deadline": _l(
        "Certificate deadline (180, 90, 30 and 7 days before, and when overdue)"
    ),
    "training_pace": _l("Training hours behind pace (checked monthly)"),
    "appraisal_published": _l("Appraisal result published"),
    "health_check": _l("Annual health check not done (from 1 October)"),
}


def _place(place: str | None) -> str:
    return place or _("place to be announced")


def _hours(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def training_tomorrow(title: str, starts_at: datetime, place: str | None) -> tuple[str, str]:
    """Return the title and body of the evening-before reminder."""
    return (
        _("Training on %(day)s: %(title)s", day=format_date(starts_at, "MMMd"), title=title),
        _(
            "Starts at %(time)s, %(place)s. Remember to check in at the door.",
            time=format_time(starts_at, "HH:mm"),
            place=_place(place),
        ),
    )


def training_soon(title: str, starts_at: datetime, place: str | None) -> tuple[str, str]:
    """Return the title and body of the one-hour-before reminder."""
    return (
        _("Training at %(time)s: %(title)s", time=format_time(starts_at, "HH:mm"), title=title),
        _("%(place)s. Open your check-in code at the door.", place=_place(place)),
    )


def certificate_deadline(deadline: date, days_left: int) -> tuple[str, str]:
    """Return the title and body of a certificate reminder (overdue when days_left < 0)."""
    when = format_date(deadline, "long")
    if days_left < 0:
        return (
            _("Certificate deadline has passed"),
            _(
                "The social-worker certificate was due by %(date)s."
                " Please talk to your street admin.",
                date=when,
            ),
        )
    return (
        ngettext(
            "Certificate deadline in %(days)d day",
            "Certificate deadline in %(days)d days",
            days_left,
            days=days_left,
        ),
        _("Obtain the social-worker certificate by %(date)s.", date=when),
    )


def training_pace(credited: Decimal, required: Decimal, expected: Decimal) -> tuple[str, str]:
    """Return the title and body of the behind-pace reminder."""
    return (
        _("Training hours behind pace"),
        _(
            "%(credited)s of %(required)s hours so far this year;"
            " about %(expected)s expected by now.",
            credited=_hours(credited),
            required=_hours(required),
            expected=_hours(expected),
        ),
    )


def appraisal_published(year: int) -> tuple[str, str]:
    """Return the title and body of the appraisal-published notice."""
    return (
        _("Appraisal result for %(year)s published", year=year),
        _("Your %(year)s annual appraisal result is available.", year=year),
    )


def appraisal_changed(year: int) -> tuple[str, str]:
    """Return the title and body of the notice that a published result was corrected."""
    return (
        _("Appraisal result for %(year)s changed", year=year),
        _("Your %(year)s annual appraisal result was corrected by the street.", year=year),
    )


def care_fund_decided(approved: bool, comment: str | None) -> tuple[str, str]:
    """Return the title and body of a care-fund decision notice (the comment is the body)."""
    title = (
        _("Care fund application approved") if approved else _("Care fund application not approved")
    )
    return title, comment or _("See the details on your care fund page.")


def health_check(due_on: date) -> tuple[str, str]:
    """Return the title and body of the health-check reminder."""
    return (
        _("Annual health check not done yet"),
        _("This year's health check was due by %(date)s.", date=format_date(due_on, "long")),
    )


def test_message() -> tuple[str, str]:
    """Return the title and body of the settings page's test message."""
    return (
        _("Test notification"),
        _("If you can read this on your phone, reminders will reach you here."),
    )
