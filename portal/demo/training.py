"""Demo trainings (past and upcoming) for both streets and the workers' attendance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from portal.demo.common import WorkerSpec, at, working_day_on_or_before
from portal.demo.data import MAIN_INDUCTION, MAIN_PLAN, OTHER_PLAN, TrainingPlan
from portal.demo.people import PeopleSteps
from portal.enums import AttendanceMethod, AudienceScope, OrganiserLevel, Role
from portal.extensions import db
from portal.org.models import Street
from portal.people.models import User
from portal.policy import rules
from portal.timeutil import local_date_of
from portal.training.models import Attendance, Training, TrainingAudience


class TrainingSteps(PeopleSteps):
    """Add the streets' trainings and who attended them."""

    # ---- trainings and attendance
    def build_trainings(self) -> None:
        """Add past, this year's and upcoming trainings for both streets."""
        self.trainings: dict[Street, list[Training]] = {}
        plans = {
            self.main_street: (MAIN_PLAN, self.trainer_user()),
            self.other_street: (OTHER_PLAN, None),
        }
        trainings = {
            street: self.plan_trainings(street, plan, organiser=organiser)
            for street, (plan, organiser) in plans.items()
        }
        db.session.add_all([training for planned in trainings.values() for training in planned])
        db.session.flush()
        self.trainings = trainings

    def trainer_user(self) -> User:
        """Return the user who organises the trainings."""
        return next(w.account for w in self.workers if Role.TRAINER in w.roles)

    def plan_trainings(
        self, street: Street, plan: TrainingPlan, *, organiser: User | None
    ) -> list[Training]:
        """Return the trainings of a street from its plan (templates, places, how many)."""
        rng, t = self.rng, self.today
        per_past_year, this_year = plan.per_past_year, plan.this_year
        days: list[date] = []
        for count, year in zip(per_past_year, range(self.year - 3, self.year), strict=True):
            first = date(year, 7, 1) if year == self.year - 3 else date(year, 3, 1)
            span = (date(year, 12, 15) - first).days
            for i in range(count):
                day = first + timedelta(days=int(span * (i + rng.random()) / count))
                days.append(working_day_on_or_before(day, first))
        y0 = date(self.year, 1, 1)
        elapsed = (t - y0).days  # days of this year already past (today excluded)
        this_year = min(this_year, elapsed // 20)  # about one every three weeks so far
        if this_year > 0:
            for i in range(this_year):
                day = y0 + timedelta(days=int(elapsed * (i + 0.5) / this_year))
                days.append(working_day_on_or_before(day, y0))
        for offset in (5, 12, 26, 40)[: plan.upcoming]:
            day = t + timedelta(days=offset)
            days.append(working_day_on_or_before(day, t + timedelta(days=1)))

        # Induction for new entrants: once a year, the current one after the new entrant starts.
        past = sum(per_past_year)
        induction = {2, past - 4, past + this_year - 2, past + this_year + 1}
        trainings = []
        cycle = list(plan.templates)
        rng.shuffle(cycle)
        for i, day in enumerate(days):
            title, kind, level, hours, place = cycle[i % len(cycle)]
            if street is self.main_street and i in induction:
                title, kind, level, hours, place = MAIN_INDUCTION
            start_hour = 9 if hours > 4 else 14
            starts = at(day, start_hour)
            if hours > 8:  # two days, 09:00 on day one to 17:00 on day two
                ends = at(day + timedelta(days=1), 17)
            else:
                ends = starts + timedelta(hours=hours + (1 if hours >= 6 else 0))
            is_street = level is OrganiserLevel.STREET
            trainings.append(
                Training(
                    title=f"{title}（{day.year}年）",
                    kind=kind,
                    level=level,
                    street_id=street.id,
                    organiser_id=organiser.id if organiser is not None and is_street else None,
                    starts_at=starts,
                    ends_at=ends,
                    place=plan.places[place],
                    credited_hours=Decimal(hours),
                    capacity=80 if is_street else (None if day < t else 120),
                    # The whole street is expected (the check-in list and the calendar use it).
                    audience=[TrainingAudience(scope=AudienceScope.STREET, street_id=street.id)],
                )
            )
        return trainings

    def build_attendance(self) -> None:
        """Add attendance of past trainings (this year paced by each worker's plan)."""
        rows = []
        y0 = date(self.year, 1, 1)
        for worker in self.workers:
            if worker.no_records:
                continue
            street_trainings = self.trainings[worker.street]
            past = [
                tr
                for tr in street_trainings
                if local_date_of(tr.starts_at) < self.today
                and worker.present_on(local_date_of(tr.starts_at))
                and worker.started <= local_date_of(tr.starts_at)
            ]
            this_year = [tr for tr in past if local_date_of(tr.starts_at) >= y0]
            earlier = [tr for tr in past if local_date_of(tr.starts_at) < y0]
            chosen = [
                tr
                for tr in earlier
                if self.rng.random()
                < {
                    OrganiserLevel.STREET: 0.85,
                    OrganiserLevel.COUNTY: 0.55,
                    OrganiserLevel.CITY: 0.25,
                    OrganiserLevel.PROVINCE: 0.2,
                }[tr.level]
            ]
            chosen += self.choose_this_year(worker, this_year)
            for training in chosen:
                rows.append(self.attendance(worker, training))
        db.session.add_all(rows)

    def choose_this_year(self, worker: WorkerSpec, trainings: Sequence[Training]) -> list[Training]:
        """Pick this year's trainings so the worker is done, on pace or behind."""
        new_entrant = worker.started.year == self.year
        required = rules.annual_training_requirement(
            worker.profile, worker.post, new_entrant=new_entrant
        )
        expected = rules.training_progress(required, Decimal(0), today=self.today).expected_by_now
        plan = (
            worker.hours_plan
            or self.rng.choices(["done", "pace", "behind"], weights=[45, 25, 30])[0]
        )
        if plan == "pace" and expected >= required:
            plan = "done"
        low, high = {
            "done": (required, required + 16),
            "pace": (expected, required - Decimal("0.1")),
            "behind": (expected * Decimal("0.3"), expected * Decimal("0.75")),
        }[plan]
        shuffled = list(trainings)
        self.rng.shuffle(shuffled)
        reachable: dict[Decimal, tuple[Training, ...]] = {Decimal(0): ()}
        for training in shuffled:
            for total, subset in list(reachable.items()):
                reachable.setdefault(total + training.credited_hours, subset + (training,))
        fitting = sorted(total for total in reachable if low <= total <= high)
        if fitting:
            return list(reachable[self.rng.choice(fitting)])
        below = [total for total in reachable if total <= high]
        return list(reachable[max(below)])

    def attendance(self, worker: WorkerSpec, training: Training) -> Attendance:
        """Return an attendance row with a plausible check-in method and time."""
        method = self.rng.choices(
            [AttendanceMethod.SELF_SCAN, AttendanceMethod.TRAINER_SCAN, AttendanceMethod.MANUAL],
            weights=[45, 45, 10],
        )[0]
        recorded_by = {
            AttendanceMethod.SELF_SCAN: None,
            AttendanceMethod.TRAINER_SCAN: training.organiser_id,
            AttendanceMethod.MANUAL: (
                self.admin.id if worker.street is self.main_street else self.other_admin.id
            ),
        }[method]
        return Attendance(
            training_id=training.id,
            worker_id=worker.account.id,
            checked_in_at=training.starts_at - timedelta(minutes=self.rng.randint(0, 15)),
            credited_on=local_date_of(training.starts_at),
            credited_hours=training.credited_hours,
            method=method,
            recorded_by_id=recorded_by,
            reason="补录：签到时手机无信号" if method is AttendanceMethod.MANUAL else None,
        )
