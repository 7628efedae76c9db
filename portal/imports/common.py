"""What every import kind shares: the context, batched look-ups, finding a row's worker."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.extensions import db
from portal.imports import validators as v
from portal.imports.reader import ParsedRow
from portal.imports.report import ImportReport
from portal.org.models import Community, Street
from portal.people.models import User, WorkerProfile
from portal.policy.profiles import PolicyProfile

BATCH = 500  # values per IN (…) list: well under every backend's parameter limit


@dataclass
class Context:
    """Where and when an import runs, and who runs it."""

    street: Street
    profile: PolicyProfile
    today: date
    actor: User | None
    communities: dict[str, Community]  # the street's communities by name

    @property
    def community_ids(self) -> set[int]:
        """Return the ids of the street's communities."""
        return {community.id for community in self.communities.values()}


def batches(values: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    """Yield the values in lists of at most ``size``."""
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


_VOCABULARIES = (
    v.POST_TYPES,
    v.EDUCATIONS,
    v.HIRING_ROUTES,
    v.APPRAISAL_RESULTS,
    v.CERTIFICATE_KINDS,
    v.CARE_KINDS,
)


def display(value: Any) -> str:
    """Return a value as the preview shows it, in the template's own words."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return v.chinese_label(value, v.YES_NO)
    if isinstance(value, enum.Enum):
        for vocabulary in _VOCABULARIES:
            if value in vocabulary.values():
                return v.chinese_label(value, vocabulary)
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


class Planner:
    """Plan an import of one kind; apply it only when the whole file is valid."""

    def __init__(self, context: Context, report: ImportReport) -> None:
        self.context = context
        self.report = report

    def plan(self, rows: Sequence[ParsedRow]) -> None:  # pragma: no cover - abstract
        """Fill the report with what each row would create or update, or its errors."""
        raise NotImplementedError

    def apply(self) -> None:  # pragma: no cover - abstract
        """Write the planned changes (the caller commits)."""
        raise NotImplementedError

    def finish(self, row: ParsedRow) -> bool:
        """Move a row's errors into the report; return whether the row is clean."""
        self.report.errors.extend(row.errors)
        return not row.errors


@dataclass(frozen=True)
class KnownWorker:
    """A worker a row refers to."""

    user_id: int
    name: str
    phone: str
    staff_no: str | None


_PEOPLE = (
    sa.select(
        User.id,
        User.name,
        User.phone,
        User.staff_no,
        WorkerProfile.user_id.label("worker_id"),
        Community.street_id,
    )
    .outerjoin(WorkerProfile, WorkerProfile.user_id == User.id)
    .outerjoin(Community, Community.id == WorkerProfile.community_id)
)


class WorkerIndex:
    """The street's workers named in a file, by phone and by staff number (batched reads)."""

    def __init__(self, rows: Sequence[ParsedRow], street_id: int) -> None:
        phones = {row.values["phone"] for row in rows if row.values.get("phone")}
        staff_nos = {row.values["staff_no"] for row in rows if row.values.get("staff_no")}
        self.by_phone: dict[str, KnownWorker] = {}
        self.by_staff_no: dict[str, KnownWorker] = {}
        for column, wanted, found in (
            (User.phone, phones, self.by_phone),
            (User.staff_no, staff_nos, self.by_staff_no),
        ):
            for batch in batches(sorted(wanted)):
                for person in db.session.execute(_PEOPLE.where(column.in_(batch))):
                    if person.worker_id is None or person.street_id != street_id:
                        continue  # not a worker of this street: the row gets "not found"
                    known = KnownWorker(person.id, person.name, person.phone, person.staff_no)
                    found[person.phone if column is User.phone else person.staff_no] = known

    def resolve(self, row: ParsedRow) -> KnownWorker | None:
        """Return the row's worker, or None after recording why it cannot be found."""
        values = row.values
        phone, staff_no, name = values.get("phone"), values.get("staff_no"), values.get("name")
        if not phone and not staff_no:
            if not row.errors:  # a malformed phone already has its own message
                row.fail("手机号", _("Fill in the phone number or the staff number."))
            return None
        found: list[KnownWorker] = []
        for column, value, index in (
            ("手机号", phone, self.by_phone),
            ("工号", staff_no, self.by_staff_no),
        ):
            if not value:
                continue
            known = index.get(value)
            if known is None:
                row.fail(
                    column,
                    _(
                        "No worker of your street has %(column)s %(value)s.",
                        column=column,
                        value=value,
                    ),
                )
                return None
            found.append(known)
        worker = found[0]
        if any(other.user_id != worker.user_id for other in found):
            row.fail(
                "工号", _("The phone number and the staff number belong to different workers.")
            )
            return None
        if name and worker.name != name:
            row.fail(
                "姓名",
                _(
                    "%(column)s %(value)s does not match the worker's name %(name)s.",
                    column="姓名",
                    value=name,
                    name=worker.name,
                ),
            )
            return None
        return worker
