"""Login, logout and password change."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import operations, queries, sessions, throttle
from portal.auth.forms import ChangePasswordForm, LoginForm
from portal.checkin import grace
from portal.database import writes
from portal.extensions import db, login_manager
from portal.i18n import LANG_COOKIE
from portal.web.views import actor

bp = Blueprint("auth", __name__)

# Reachable while a password change is still pending.
_OPEN_DURING_FORCED_CHANGE = {
    "auth.change_password",
    "auth.sign_out_others",
    "auth.logout",
    "auth.set_language",
    "static",
    "health.healthz",
    "pwa.manifest",
    "pwa.service_worker",
    "pwa.offline",
}

login_manager.login_view = "auth.login"
login_manager.login_message = None
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(session_id: str):
    """Load the user of the live device record a session names ('<id>.<key>')."""
    return sessions.user_from_session(session_id)


# Flask-Login's own remember cookie is left unused: see portal.auth.sessions for why.
login_manager.request_loader(sessions.user_from_remember_cookie)


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths: never an open redirect.
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.index")


@bp.before_app_request
def require_password_change():
    """Send a user with a one-time password to the change page before anything else."""
    # The endpoint first: /healthz and static files never load the user (a query).
    if (
        request.endpoint not in _OPEN_DURING_FORCED_CHANGE
        and current_user.is_authenticated
        and current_user.must_change_password
    ):
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/login", methods=["GET", "POST"])
@writes
def login():
    """Log in with phone number (or staff number) and password."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data or ""  # DataRequired: given once validated
        user = operations.find_user(username)
        user_id = user.id if user else None
        attempt = throttle.attempt(user_id, username, request.remote_addr)
        wait = throttle.seconds_until_allowed(attempt)  # before the password is checked
        if wait:
            return _throttled(form, wait)
        user = operations.authenticate(user, form.password.data or "")
        if user is None:
            throttle.record_failure(attempt)
            db.session.commit()
            # A form that validated has no errors yet: this is the only one.
            form.password.errors = [_("Phone/staff number or password is not correct.")]
        else:
            throttle.record_success(attempt)
            signed_in = operations.sign_in(
                user,
                user_agent=request.headers.get("User-Agent"),
                address=request.remote_addr,
                remember=form.remember.data,
            )
            login_user(user)  # the session names the device record (User.get_id)
            operations.record_login(user)
            db.session.commit()
            response = redirect(_safe_next(request.args.get("next")))
            if signed_in.remember_cookie:
                sessions.set_remember_cookie(response, signed_in.remember_cookie)
            return response
    status = 200 if request.method == "GET" or not form.errors else 422
    return render_template("auth/login.html", form=form), status


def _throttled(form: LoginForm, wait: int):
    """Answer an attempt that must wait: 429 and the login page saying how long; no check."""
    minutes = throttle.minutes_to_wait(wait)
    problem = _("Too many attempts. Please try again in %(minutes)d min.", minutes=minutes)
    response = make_response(render_template("auth/login.html", form=form, problem=problem), 429)
    response.headers["Retry-After"] = str(wait)
    return response


@bp.post("/logout")
@writes
def logout():
    """Log out: end this device's sign-in on the server and forget its cookies."""
    device = sessions.current_device() if current_user.is_authenticated else None
    if device is not None:
        operations.sign_out(device)
        db.session.commit()
    logout_user()
    response = redirect(url_for("auth.login"))
    sessions.forget_remember_cookie(response)
    return response


@bp.route("/password", methods=["GET", "POST"])
@writes
@login_required
def change_password():
    """Change the password; required before first use."""
    user = actor()
    form = ChangePasswordForm(user=user)
    if form.validate_on_submit():
        operations.change_password(
            user, form.new_password.data or "", actor=user, keep=sessions.current_device()
        )
        db.session.commit()
        flash(_("Your password has been changed."), "success")
        if grace.is_pending():  # a QR scan made before login still waits: finish it now
            return redirect(url_for("checkin.resume"))
        return redirect(url_for("home.index"))
    status = 200 if request.method == "GET" or not form.errors else 422
    return _password_page(user, form, status)


def _password_page(user, form: ChangePasswordForm, status: int):
    devices = queries.signed_in_devices(user.id, current=sessions.current_device())
    return render_template("auth/password.html", form=form, devices=devices), status


@bp.post("/password/sign-out-others")
@writes
@login_required
def sign_out_others():
    """Sign out every other device of this account; this one stays signed in."""
    user = actor()  # CSRF is checked for every POST
    ended = operations.sign_out_devices(
        user, actor=user, reason="signed_out_elsewhere", keep=sessions.current_device()
    )
    db.session.commit()
    flash(
        ngettext("Signed out %(num)d other device.", "Signed out %(num)d other devices.", ended),
        "success",
    )
    return redirect(url_for("auth.change_password"), code=303)


@bp.post("/language/<code>")
@writes
def set_language(code: str):
    """Switch the interface language and remember the choice."""
    if code not in current_app.config["LANGUAGES"]:
        return redirect(url_for("home.index"))
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    response = make_response(redirect(_safe_next(request.form.get("next"))))
    response.set_cookie(
        LANG_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
    )
    return response
