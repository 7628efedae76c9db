"""社区工作者自助服务 — the community-worker self-service portal."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from notifications import notices
from notifications import views as inbox_views
from portal import cli, database, i18n, observability
from portal.absence import views as absence_views
from portal.admin import dashboard_views, export_views, import_views  # noqa: F401
from portal.admin import views as admin_views
from portal.appraisal import views as appraisal_views
from portal.audit import views as audit_views
from portal.auth import sessions as auth_sessions
from portal.auth import throttle as login_throttle
from portal.auth import views as auth_views
from portal.basis import views as basis_views
from portal.care import views as care_views
from portal.checkin import scan_views as checkin_scan_views
from portal.checkin import views as checkin_views
from portal.config import Config
from portal.extensions import compress, csrf, db, htmx, limiter, login_manager, migrate
from portal.health import views as health_views
from portal.home import views as home_views
from portal.mentoring import street_views as street_mentoring_views
from portal.mentoring import views as mentoring_views
from portal.outside import views as outside_views
from portal.platform import views as platform_views
from portal.pwa import views as pwa_views
from portal.talks import views as talks_views
from portal.training import calendar_views as training_calendar_views
from portal.training import roster_views  # noqa: F401 - its routes are on training.bp
from portal.training import views as training_views
from portal.uploads import views as upload_views
from portal.web import arrival, assets, errors, fragments, inputs, proxy, security, urls
from portal.web import htmx as htmx_web

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Any | None = None) -> Flask:
    """Create and wire the application: config, extensions, blueprints, CLI."""
    instance_path = (
        getattr(config, "INSTANCE_PATH", None)
        or os.environ.get("PORTAL_INSTANCE_PATH")
        or str(PROJECT_ROOT / "instance")
    )
    app = Flask(
        __name__,
        instance_path=instance_path,
        static_folder=str(PROJECT_ROOT / "static"),  # the build in it: portal/web/assets.py
        static_url_path="/static",
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_object(config if config is not None else Config(app.instance_path))

    database.init_app(app, db)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    login_manager.init_app(app)
    auth_sessions.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_throttle.init_app(app)
    htmx.init_app(app)
    compress.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    htmx_web.init_app(app)
    proxy.init_app(app)
    errors.init_app(app)
    inputs.init_app(app)
    assets.init_app(app)
    urls.init_app(app)  # templates' url_for reuses the URLs it built
    fragments.init_app(app)  # parts of pages built once per language
    notices.init_app(app)  # receivers of portal.signals
    observability.init_app(app)  # JSON request log, /metrics
    arrival.init_app(app)  # last: the outermost middleware stamps the arrival first

    app.register_blueprint(auth_views.bp)
    app.register_blueprint(home_views.bp)
    app.register_blueprint(health_views.bp)
    app.register_blueprint(training_views.bp)
    app.register_blueprint(checkin_views.bp)
    app.register_blueprint(checkin_scan_views.bp)
    app.register_blueprint(outside_views.bp)
    app.register_blueprint(training_calendar_views.bp)
    app.register_blueprint(upload_views.bp)
    app.register_blueprint(pwa_views.bp)
    app.register_blueprint(inbox_views.bp)
    app.register_blueprint(mentoring_views.bp)
    app.register_blueprint(street_mentoring_views.bp)
    app.register_blueprint(talks_views.bp)
    app.register_blueprint(admin_views.bp)  # with the routes of export_views and import_views
    app.register_blueprint(dashboard_views.bp)
    app.register_blueprint(appraisal_views.bp)
    app.register_blueprint(platform_views.bp)
    app.register_blueprint(care_views.bp)
    app.register_blueprint(audit_views.bp)
    app.register_blueprint(basis_views.bp)
    app.register_blueprint(absence_views.bp)
    cli.init_app(app)
    return app
