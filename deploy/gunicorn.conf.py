"""gunicorn settings for one web server behind nginx (systemd: portal-web@PORT.service).

    gunicorn --config deploy/gunicorn.conf.py --bind 127.0.0.1:8001 'portal:create_app()'
"""

import os

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8001")  # only nginx talks to it
# Check-in bursts (a room of workers scanning the projector code within a minute): a
# scan costs ~4 ms of server CPU (bench/checkin-profile.md), so a core answers ~250 a
# second, and more threads do not add any: the GIL runs one at a time per process. What
# threads add is waiting without a core: for PostgreSQL, for SQLite's write lock (one
# thread per process polls it, the others queue on a process lock: portal.database).
# One process per core, 8 threads each, keeps a burst of 100 phones on 16 requests at
# once and queues the rest in the listen backlog; more threads per process only lengthen
# the GIL queue a writer holding SQLite's lock waits in. Add processes with cores, not
# threads.
workers = int(os.environ.get("PORTAL_WORKERS", "2"))  # about one per core
worker_class = "gthread"
threads = int(os.environ.get("PORTAL_THREADS", "8"))  # nginx buffers slow clients
timeout = 60
graceful_timeout = 30  # SIGTERM: requests in flight finish
keepalive = 30  # nginx keeps upstream connections open
max_requests = 5000  # a worker is replaced now and then (jitter: not all at once)
max_requests_jitter = 500
accesslog = None  # the app logs every request itself, by route, without the QR codes in paths
errorlog = "-"
forwarded_allow_ips = "127.0.0.1,::1"  # the app trusts one hop (PORTAL_TRUST_PROXY_HOPS=1)
control_socket_disable = True


def child_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    """Let /metrics stop counting a dead worker's live gauges (prometheus_client docs)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
