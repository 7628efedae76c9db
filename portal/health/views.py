"""Liveness and database reachability for load balancers and monitors."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify

from portal.extensions import db, limiter
from portal.web.errors import RETRY_AFTER_SECONDS, forget_database

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Report whether the app can reach its database."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        forget_database()  # hooks after this view must not query for the user either
        body = {"status": "error", "database": "unreachable", "error": type(exc).__name__}
        return jsonify(body), 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return jsonify({"status": "ok", "database": "ok", "dialect": db.engine.dialect.name})
