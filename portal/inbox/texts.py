"""The words of reminders and of the inbox pages, in the user's language.

They live here, in the portal package, so the message catalogue picks them up
(``babel.cfg`` extracts from ``portal/`` and ``templates/``): the reminder collectors
(``notifications.reminders``) call these functions inside ``force_locale``, and the
inbox pages (``notifications.views``) show the lazy strings below.
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


# -- the inbox pages (notifications.views) ---------------------------------------------------

SETTINGS_SAVED = _l("Notification settings saved.")
TEST_IN_INBOX = _l("A test message is in your inbox.")
TEST_IN_INBOX_ONLY = _l(
    "A test message is in your inbox. No phone is set up for push or WeCom yet."
)
NOT_JSON = _l("The request is not valid JSON.")
PUSH_NOT_SET_UP = _l("Push notifications are not set up on this server.")

# What became of a test delivery, by notifications.channels.Outcome value.
OUTCOME_WORDS = {
    "sent": _l("sent"),
    "retry": _l("not delivered yet, will retry"),
    "failed": _l("failed"),
    "skipped": _l("nothing to send to"),
    "unknown": _l("sent, but no answer came; not sent again"),
}
CHANNEL_NAMES = {"push": _l("Push to this phone's browser"), "wecom": _l("WeCom")}

# Why a browser's subscription was refused, by notifications.subscriptions' problem code.
SUBSCRIPTION_PROBLEMS = {
    "not_object": _l("The subscription must be a JSON object."),
    "endpoint_missing": _l("The subscription has no endpoint."),
    "keys_missing": _l("The subscription has no keys."),
    "endpoint_too_long": _l("The subscription's endpoint is too long."),
    "endpoint_not_https": _l("The subscription's endpoint is not an https address."),
    "service_not_allowed": _l("This browser's push service is not supported."),
    "bad_p256dh": _l("The subscription's p256dh key is not valid."),
    "bad_auth": _l("The subscription's auth secret is not valid."),
}
