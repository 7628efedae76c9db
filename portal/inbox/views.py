"""The inbox, the bell, notification settings and the push subscription endpoints.

Every view: load → check access → act → render. A user only ever sees and changes
their own notifications: another user's notification answers 404, like a missing one.
Actions that change the unread count answer with ``HX-Trigger: inbox-changed``; the
bell in the header listens for it (and polls every 60 s).

The blueprint also carries the notification CLI (``scheduler``, ``push``,
``reminders``) at the top level of ``flask --app portal``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from notifications import channels as channel_registry
from notifications import subscriptions, vapid, wecom
from notifications.channels import Outcome
from notifications.deliver import DeliverReport, deliver_due
from notifications.issue import default_quiet_hours
from notifications.reminders import kinds_for_roles
from portal.database import writes
from portal.extensions import db, limiter
from portal.inbox import operations, queries
from portal.inbox.forms import KIND_PREFIX, TestForm, WeComSettingsForm, settings_form
from portal.inbox.models import Notification
from portal.timeutil import utcnow
from portal.web.htmx import is_fragment_request, render

bp = Blueprint("inbox", __name__)

CHANGED = "inbox-changed"  # the htmx event the bell listens for
STOP_POLLING = 286  # htmx stops polling on this status


def _changed(response: Response) -> Response:
    """Tell the bell that the unread count changed."""
    response.headers["HX-Trigger"] = CHANGED
    return response


@bp.app_context_processor
def _bell_context() -> dict:
    """Give templates the unread count, queried only when the bell is drawn."""

    def inbox_unread() -> int:
        if "inbox_unread" not in g:
            loaded = getattr(current_user, "unread_notifications", None)
            if loaded is not None:  # counted by the session loader with the user
                g.inbox_unread = loaded
                return loaded
            try:
                g.inbox_unread = queries.unread_count(current_user.id)
            except sa.exc.SQLAlchemyError:
                g.inbox_unread = 0  # an error page after a database failure still renders
        return g.inbox_unread

    return {"inbox_unread": inbox_unread}


def _own(notification_id: int) -> Notification:
    notification = queries.own_notification(current_user.id, notification_id)
    if notification is None:
        abort(404)  # same answer for "absent" and "not yours"
    return notification


def _safe_path(url: str | None) -> str | None:
    if url and url.startswith("/") and not url.startswith("//"):
        parts = urlsplit(url)
        if not parts.scheme and not parts.netloc:
            return url
    return None


# -- the inbox ---------------------------------------------------------------------------


@bp.get("/inbox")
@login_required
def index():
    """Show the user's notifications, newest first, thirty at a time."""
    before = request.args.get("before", type=int)
    notifications, more = queries.page(current_user.id, before)
    return render(
        "inbox/index.html",
        block="list",
        notifications=notifications,
        older=notifications[-1].id if more and notifications else None,
    )


@bp.get("/inbox/bell")
def bell():
    """Render the bell with the unread count (the htmx fragment the header polls)."""
    if not current_user.is_authenticated or current_user.must_change_password:
        return "", STOP_POLLING  # signed out meanwhile: the bell goes, polling stops
    return render("inbox/_bell.html", block="slot")


@bp.post("/inbox/<int:notification_id>/read")
@login_required
@writes
def mark_read(notification_id: int):
    """Mark one notification read."""
    notification = _own(notification_id)
    operations.mark_read(notification, actor=current_user, now=utcnow())
    db.session.commit()
    if is_fragment_request():
        return _changed(make_response(render_template("inbox/_item.html", n=notification)))
    return _changed(redirect(url_for("inbox.index")))


@bp.post("/inbox/read-all")
@login_required
@writes
def mark_all_read():
    """Mark every notification read."""
    operations.mark_all_read(actor=current_user, now=utcnow())
    db.session.commit()
    return _changed(redirect(url_for("inbox.index")))


@bp.get("/inbox/<int:notification_id>/open", endpoint="open")
@login_required
@writes
def open_notification(notification_id: int):
    """Mark a notification read and go where it points (a tap on a push lands here)."""
    notification = _own(notification_id)
    operations.mark_read(notification, actor=current_user, now=utcnow())
    db.session.commit()
    return redirect(_safe_path(notification.url) or url_for("inbox.index"))


# -- settings ----------------------------------------------------------------------------


def _kinds():
    return kinds_for_roles(current_user.roles)


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
@writes
def settings():
    """Switch reminder kinds on and off, set quiet hours, set up push and WeCom."""
    saved = queries.settings_of(current_user.id)
    kinds = _kinds()
    wecom_on = wecom.is_configured(current_app)
    disabled = set(saved.disabled_kinds or ()) if saved else set()
    defaults: dict[str, bool | str] = {
        KIND_PREFIX + kind.code: kind.code not in disabled for kind in kinds
    }
    if saved:
        defaults.update(quiet_start=saved.quiet_start, quiet_end=saved.quiet_end)
        defaults["wecom_userid"] = saved.wecom_userid or ""
    else:
        defaults["quiet_start"], defaults["quiet_end"] = default_quiet_hours()
    form = settings_form(kinds, wecom=wecom_on, data=defaults)
    if form.validate_on_submit():
        quiet_start, quiet_end = form.quiet_hours()
        operations.save_settings(
            actor=current_user,
            shown_kinds=form.kind_codes,
            enabled_kinds=form.enabled_kinds(),
            quiet_start=quiet_start,
            quiet_end=quiet_end,
            wecom_userid=form.wecom_userid.data if isinstance(form, WeComSettingsForm) else None,
            change_wecom=wecom_on,
        )
        db.session.commit()
        flash(_("Notification settings saved."), "success")
        return redirect(url_for("inbox.settings"))
    keys = vapid.vapid_keys(current_app)
    status = 200 if request.method == "GET" or not form.errors else 422
    return render(
        "inbox/settings.html",
        form=form,
        test_form=TestForm(),
        vapid_key=keys.public_key if keys else None,
        wecom_on=wecom_on,
        subscriptions=queries.subscription_count(current_user.id),
    ), status


_OUTCOME_WORDS = {
    Outcome.SENT.value: _l("sent"),
    Outcome.RETRY.value: _l("not delivered yet, will retry"),
    Outcome.FAILED.value: _l("failed"),
    Outcome.SKIPPED.value: _l("nothing to send to"),
}
_CHANNEL_NAMES = {"push": _l("Push to this phone's browser"), "wecom": _l("WeCom")}


@bp.post("/settings/notifications/test")
@login_required
@writes
@limiter.limit("5 per minute")
def send_test():
    """Send the user a test notification now, over every channel that reaches them."""
    form = TestForm()
    if not form.validate_on_submit():
        abort(400)
    channels = channel_registry.configured_channels(current_app)
    now = utcnow()
    try:
        _id, delivery_ids = operations.send_test(actor=current_user, now=now, channels=channels)
        db.session.commit()
        report = DeliverReport()
        if delivery_ids:  # delivered at once; deliver_due commits as it goes
            report = deliver_due(now=now, channels=channels, only_ids=delivery_ids)
    finally:
        channel_registry.close_all(channels)
    if not report.by_channel:
        flash(_("A test message is in your inbox. No phone is set up for push or WeCom yet."))
    else:
        parts = [
            f"{_CHANNEL_NAMES.get(channel, channel)}: {_OUTCOME_WORDS.get(outcome, outcome)}"
            for (channel, outcome), _n in sorted(report.by_channel.items())
        ]
        flash(_("A test message is in your inbox.") + " " + "; ".join(parts))
    return _changed(redirect(url_for("inbox.settings")))


# -- push subscriptions (JSON, CSRF token in the X-CSRFToken header) -----------------------

_SUBSCRIPTION_PROBLEMS = {
    "not_object": _l("The subscription must be a JSON object."),
    "endpoint_missing": _l("The subscription has no endpoint."),
    "keys_missing": _l("The subscription has no keys."),
    "endpoint_too_long": _l("The subscription's endpoint is too long."),
    "endpoint_not_https": _l("The subscription's endpoint is not an https address."),
    "service_not_allowed": _l("This browser's push service is not supported."),
    "bad_p256dh": _l("The subscription's p256dh key is not valid."),
    "bad_auth": _l("The subscription's auth secret is not valid."),
}


def _json_error(message: str, status: int = 400):
    return jsonify(ok=False, error=str(message)), status


def _json_body():
    data = request.get_json(silent=True)
    if data is None:
        return None, _json_error(_("The request is not valid JSON."))
    return data, None


@bp.get("/push/config")
@login_required
def push_config():
    """Give the service worker what it needs to renew a subscription by itself."""
    keys = vapid.vapid_keys(current_app)
    if keys is None:
        return _json_error(_("Push notifications are not set up on this server."), 503)
    return jsonify(ok=True, publicKey=keys.public_key, csrfToken=generate_csrf())


@bp.post("/push/subscribe")
@login_required
@writes
def subscribe():
    """Store this browser's push subscription for the user."""
    data, error = _json_body()
    if error:
        return error
    if vapid.vapid_keys(current_app) is None:
        return _json_error(_("Push notifications are not set up on this server."), 503)
    try:
        info = subscriptions.parse_subscription(data, subscriptions.allowed_hosts())
    except subscriptions.SubscriptionError as problem:
        return _json_error(_SUBSCRIPTION_PROBLEMS.get(str(problem), str(problem)))
    operations.save_subscription(
        info, actor=current_user, user_agent=request.headers.get("User-Agent")
    )
    db.session.commit()
    return jsonify(ok=True), 201


@bp.post("/push/unsubscribe")
@login_required
@writes
def unsubscribe():
    """Forget this browser's push subscription."""
    data, error = _json_body()
    if error:
        return error
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str) or not endpoint:
        return _json_error(_SUBSCRIPTION_PROBLEMS["endpoint_missing"])
    removed = operations.remove_subscription(endpoint, actor=current_user)
    db.session.commit()
    return jsonify(ok=True, removed=removed)
