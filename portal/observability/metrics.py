"""The portal's Prometheus metrics (the official ``prometheus_client``).

With several processes (gunicorn workers, the scheduler) set ``PROMETHEUS_MULTIPROC_DIR``
to one empty folder for all of them, emptied at each start: each process writes its
numbers there and ``/metrics`` adds them up (``MultiProcessCollector``).
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUEST_SECONDS = Histogram(
    "portal_request_duration_seconds",
    "Time to answer a request, by route (URL rule), method and status class.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CHECKINS = Counter(
    "portal_checkins_total",
    "Check-in scans answered, by who scanned (worker, trainer) and outcome.",
    ["via", "outcome"],
)
DELIVERIES = Counter(
    "portal_deliveries_total",
    "Notification deliveries recorded, by channel and outcome.",
    ["channel", "outcome"],
)
SCHEDULER_LAST_RUN = Gauge(
    "portal_scheduler_last_run_timestamp_seconds",
    "When each scheduler job last finished (Unix time).",
    ["job"],
    multiprocess_mode="mostrecent",
)


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request."""
    REQUEST_SECONDS.labels(route, method, f"{status // 100}xx").observe(seconds)


def count_checkin(via: str, outcome: str) -> None:
    """Count one answered scan."""
    CHECKINS.labels(via, outcome).inc()


def count_deliveries(channel: str, outcomes: list[str]) -> None:
    """Count recorded delivery results."""
    for outcome in outcomes:
        DELIVERIES.labels(channel, outcome).inc()


def job_finished(job: str) -> None:
    """Note that a scheduler job has just finished."""
    SCHEDULER_LAST_RUN.labels(job).set_to_current_time()


def exposition() -> tuple[bytes, str]:
    """Return the metrics text and its content type (all processes' when multiprocess)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
