"""Write audit entries."""

from __future__ import annotations

from typing import Any

from portal.audit.models import AuditEntry
from portal.extensions import db


def record(action: str, subject: Any, *, actor: Any | None, **detail: Any) -> AuditEntry:
    """Add an audit entry for an action on a subject; the caller commits."""
    subject_id = getattr(subject, "id", None) or getattr(subject, "user_id", None)
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        subject_type=type(subject).__name__,
        subject_id=subject_id,
        detail=detail,
    )
    db.session.add(entry)
    return entry
