"""Who may create and run trainings, and which trainings a worker may see.

Trainer pages are role pages: a user without the trainer or street-admin role gets 403.
A training the user may not run answers 404, like one that does not exist.

A worker sees the trainings of their own street and those whose audience names them
(by street, community, post type or name); any other training answers 404 with nothing
about it, and a worker cannot ask to join it.
"""

from __future__ import annotations

from portal.enums import Role
from portal.extensions import db
from portal.people.models import User
from portal.training.models import Training, TrainingStaff


def is_training_staff(user: User) -> bool:
    """Return whether the user holds a role that runs trainings (trainer or street admin)."""
    return user.has_role(Role.TRAINER) or user.has_role(Role.STREET_ADMIN)


def can_create_training(user: User) -> bool:
    """Return whether the user may create trainings (for their own street)."""
    return is_training_staff(user) and user.street_id is not None


def is_street_admin_of(user: User, street_id: int | None) -> bool:
    """Return whether the user is the street admin of a street."""
    return (
        street_id is not None and user.street_id == street_id and user.has_role(Role.STREET_ADMIN)
    )


def worker_may_see_training(*, same_street: bool, expected: bool) -> bool:
    """Return whether a worker may see a training: their street's, or they are on its list."""
    return same_street or expected


def can_run_training(user: User, training: Training) -> bool:
    """Return whether the user organises, is assigned to, or administers a training's street."""
    if not is_training_staff(user):
        return False
    if training.organiser_id == user.id or is_street_admin_of(user, training.street_id):
        return True
    return db.session.get(TrainingStaff, (training.id, user.id)) is not None
