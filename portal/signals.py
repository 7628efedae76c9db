"""Signals: the one seam between a domain and the packages that react to it.

A domain operation does its write, then sends a signal naming what happened (the
sender is the street or record acted on, the rest keyword data). The reacting
packages connect receivers in their own ``init_app``, wired from ``create_app``; the
domain never imports them. This is the pattern of indico's ``indico/core/signals``:
one blinker ``Namespace``, each signal documented where it is declared.

Which way the arrows point:

* **notifications reacts to domains**: appraisal and care send ``appraisal_published``,
  ``appraisal_changed`` and ``care_decided``; ``notifications.notices`` composes and
  issues the inbox notice. Domains never import ``notifications``.
* **audit is a floor below every domain**, not a reactor: an audit entry is part of the
  write itself (its before/after values are known only inside the operation), so
  operations call ``portal.audit.operations.record(...)`` directly. Audit in turn imports
  no domain: a model declares which worker or street its entries belong to with
  ``portal.audit.subjects.audited`` and the viewer reads that registry.

Receivers run inside the sender's transaction: they add and flush, never commit, so
the caller's commit keeps the side effect and a rollback drops it with the write.
A receiver's return value is the sender's answer (how many were told), summed with
``total``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from blinker import Namespace

_signals = Namespace()

appraisal_published = _signals.signal(
    "appraisal-published",
    doc="""Results of a year were published to workers.

    The sender is ``None``; ``worker_ids`` (the workers whose result is now out), ``year``
    and ``now`` are passed. A receiver returns how many workers it newly told.
    """,
)

appraisal_changed = _signals.signal(
    "appraisal-changed",
    doc="""A worker's published result of a year was corrected.

    The sender is the ``Appraisal``; ``worker_id``, ``year`` and ``now`` are passed. A
    receiver returns 1 when it told the worker, else 0.
    """,
)

care_decided = _signals.signal(
    "care-decided",
    doc="""A care-fund application was approved or rejected.

    The sender is the decided ``CareRecord``; ``now`` is passed.
    """,
)


def total(results: Iterable[tuple[Any, Any]]) -> int:
    """Return the sum of the receivers' answers to a ``send`` (None counts as 0)."""
    return sum(int(value or 0) for _receiver, value in results)
