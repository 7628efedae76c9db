"""``GET /metrics`` for Prometheus, answered only to the configured addresses."""

from __future__ import annotations

import ipaddress
from functools import cache

from flask import Blueprint, abort, current_app, request

from portal.extensions import limiter
from portal.observability import metrics

bp = Blueprint("observability", __name__)


@cache
def _networks(allowed: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(
        ipaddress.ip_network(item.strip(), strict=False)
        for item in allowed.split(",")
        if item.strip()
    )


def may_scrape(address: str | None, allowed: str) -> bool:
    """Return whether ``address`` lies in one of the comma-separated addresses or networks."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in _networks(allowed))


@bp.get("/metrics")
@limiter.exempt
def scrape():
    """Prometheus text; 404 to anyone else (the endpoint is not advertised)."""
    if not may_scrape(request.remote_addr, current_app.config["METRICS_ALLOW"]):
        abort(404)
    body, content_type = metrics.exposition()
    return body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"}
