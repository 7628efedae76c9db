"""Liveness and database reachability for load balancers and monitors."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify

from portal.extensions import db, limiter

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Report whether the app can reach its database."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        body = {"status": "error", "database": "unreachable", "error": type(exc).__name__}
        return jsonify(body), 503
    return jsonify({"status": "ok", "database": "ok", "dialect": db.engine.dialect.name})
