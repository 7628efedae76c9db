"""Which worker or street an audited record belongs to, as its domain declares it.

Audit is a floor below every domain and imports none of them. A model whose changes
are audited says where its entries belong with the ``audited`` class decorator; the
log viewer (``portal.audit.queries``) reads the registry. Naming the model's primary
key means "the record is the worker (or street) itself".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True)
class Owner:
    """A model and the column naming the worker (or street) its records belong to."""

    model: Any
    column: str

    @property
    def is_itself(self) -> bool:
        """Return whether the column is the primary key (the record is the owner)."""
        return [key.name for key in sa.inspect(self.model).primary_key] == [self.column]


WORKER_OF: dict[str, Owner] = {}  # subject type (class name) → the worker column
STREET_OF: dict[str, Owner] = {}  # subject type → the street column


def audited(*, worker: str | None = None, street: str | None = None):
    """Register the column that names a model's worker or street for the audit log."""

    def register(model):
        if worker is not None:
            WORKER_OF[model.__name__] = Owner(model, worker)
        if street is not None:
            STREET_OF[model.__name__] = Owner(model, street)
        return model

    return register
