"""The inbox pages: the list, the bell, notification settings, push subscriptions.

They sit beside the engine they drive (reminder kinds, channels, VAPID keys, the
test delivery); the record they show is ``portal.inbox`` (models, reads, writes and
the words, which live there for the message catalogue). The blueprint keeps the
name ``inbox``, and its templates are ``templates/inbox/``.

Every view: load → check access → act → render. A user only ever sees and changes
their own notifications: another user's notification answers 404, like a missing one.
Actions that change the unread count answer with ``HX-Trigger: inbox-changed``; the
bell in the header listens for it (and polls every 60 s).
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
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from notifications import channels as channel_registry
from notifications import issue, subscriptions, vapid, wecom
from notifications.deliver import DeliverReport, deliver_due
from notifications.reminders import kinds_for_roles
from portal.database import writes
from portal.extensions import db, limiter
from portal.inbox import operations, queries, texts
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


def _read_own(notification_id: int) -> Notification:
    """Load one of the user's notifications (404 otherwise) and mark it read, committed."""
    notification = _own(notification_id)
    operations.mark_read(notification, actor=current_user, now=utcnow())
    db.session.commit()
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
    notification = _read_own(notification_id)
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
    notification = _read_own(notification_id)
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
        defaults["quiet_start"], defaults["quiet_end"] = issue.default_quiet_hours()
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
        flash(str(texts.SETTINGS_SAVED), "success")
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
        _id, delivery_ids = issue.send_test(actor=current_user, now=now, channels=channels)
        db.session.commit()
        report = DeliverReport()
        if delivery_ids:  # delivered at once; deliver_due commits as it goes
            report = deliver_due(now=now, channels=channels, only_ids=delivery_ids)
    finally:
        channel_registry.close_all(channels)
    if not report.by_channel:
        flash(str(texts.TEST_IN_INBOX_ONLY))
    else:
        names, words = texts.CHANNEL_NAMES, texts.OUTCOME_WORDS
        parts = [
            f"{names.get(channel, channel)}: {words.get(outcome, outcome)}"
            for (channel, outcome), _n in sorted(report.by_channel.items())
        ]
        flash(f"{texts.TEST_IN_INBOX} {'; '.join(parts)}")
    return _changed(redirect(url_for("inbox.settings")))


# -- push subscriptions (JSON, CSRF token in the X-CSRFToken header) -----------------------


def _json_error(message: str, status: int = 400):
    return jsonify(ok=False, error=str(message)), status


def _json_body():
    data = request.get_json(silent=True)
    if data is None:
        return None, _json_error(texts.NOT_JSON)
    return data, None


@bp.get("/push/config")
@login_required
def push_config():
    """Give the service worker what it needs to renew a subscription by itself."""
    keys = vapid.vapid_keys(current_app)
    if keys is None:
        return _json_error(texts.PUSH_NOT_SET_UP, 503)
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
        return _json_error(texts.PUSH_NOT_SET_UP, 503)
    try:
        info = subscriptions.parse_subscription(data, subscriptions.allowed_hosts())
    except subscriptions.SubscriptionError as problem:
        return _json_error(texts.SUBSCRIPTION_PROBLEMS.get(str(problem), str(problem)))
    operations.save_subscription(
        endpoint=info.endpoint,
        p256dh=info.p256dh,
        auth=info.auth,
        actor=current_user,
        user_agent=request.headers.get("User-Agent"),
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
        return _json_error(texts.SUBSCRIPTION_PROBLEMS["endpoint_missing"])
    removed = operations.remove_subscription(endpoint, actor=current_user)
    db.session.commit()
    return jsonify(ok=True, removed=removed)
