"""Demo care records of this year: leave, health checks, festival visits, care fund."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from portal.care.models import CareEntitlement, CareRecord
from portal.demo.common import festival_date
from portal.demo.data import CERT_LABEL, FESTIVAL_GIFT, MONTHLY_ALLOWANCE, STAFF
from portal.demo.training import TrainingSteps
from portal.enums import (
    CareKind,
    CareStatus,
    WorkerStatus,
)
from portal.extensions import db
from portal.policy import rules


class CareSteps(TrainingSteps):
    """Add this year's care entitlements and records."""

    # ---- care
    def build_care(self) -> None:
        """Add this year's leave, health checks, recuperation, festival visits and care fund."""
        rows: list = []
        y = self.year
        for worker in self.workers:
            if worker.no_records:
                continue
            wid = worker.account.id
            years = rules.years_of_service(worker.started, self.today)
            leave_days = rules.annual_leave_days(worker.profile, years)
            rows.append(
                CareEntitlement(
                    worker_id=wid, year=y, kind=CareKind.ANNUAL_LEAVE, quantity=Decimal(leave_days)
                )
            )
            last_day = self.today - timedelta(days=1)
            if worker.status is WorkerStatus.EXITED and worker.status_since:
                last_day = min(last_day, worker.status_since - timedelta(days=1))
            first_day = max(worker.joined, date(y, 1, 1))

            def record(kind, day, quantity=None, note=None, status=CareStatus.DONE, wid=wid):
                rows.append(
                    CareRecord(
                        worker_id=wid,
                        kind=kind,
                        year=y,
                        occurred_on=day,
                        quantity=None if quantity is None else Decimal(quantity),
                        status=status,
                        note=note,
                    )
                )

            # annual leave taken, never more than the entitlement
            if worker.demo and worker.post is STAFF:
                taken = [1, 2]
            else:
                budget = int(leave_days * self.rng.uniform(0.2, 0.9))
                taken = []
                while budget > 0 and len(taken) < 3:
                    chunk = self.rng.randint(1, min(budget, 5))
                    taken.append(chunk)
                    budget -= chunk
            for days_taken in taken:
                day = self.this_year_day(first_day, last_day)
                if day is not None:
                    record(CareKind.ANNUAL_LEAVE, day, days_taken, "带薪年休假")
            # yearly health check for most; some not yet done
            if worker.demo or self.rng.random() < 0.8:
                day = self.this_year_day(
                    max(first_day, date(y, 4, 1)), min(last_day, date(y, 9, 30))
                )
                if day is not None:
                    hospital = (
                        "鼓楼医院健康管理中心"
                        if worker.profile is self.jiangsu
                        else "宝山区中西医结合医院体检中心"
                    )
                    record(CareKind.HEALTH_CHECK, day, None, f"年度健康体检（{hospital}）")
            # festival visits that have already happened this year
            for festival in ("春节", "端午节", "中秋节"):
                day = festival_date(festival, y) - timedelta(days=self.rng.randint(2, 6))
                if first_day <= day <= last_day:
                    record(
                        CareKind.FESTIVAL_VISIT,
                        day,
                        FESTIVAL_GIFT[festival],
                        f"{festival}走访慰问（慰问金，元）",
                    )
            # certificate allowance, paid quarterly for social-work certificates held
            held = [c for c in worker.certs if c.kind in MONTHLY_ALLOWANCE]
            for quarter in range(4):
                quarter_end = (
                    date(y, 3 * quarter + 4, 1) - timedelta(days=1)
                    if quarter < 3
                    else date(y, 12, 31)
                )
                quarter_start = date(y, 3 * quarter + 1, 1)
                current = [c for c in held if c.issued_on <= quarter_start]
                if not current or not first_day <= quarter_end <= last_day:
                    continue
                best = max(current, key=lambda c: MONTHLY_ALLOWANCE[c.kind])
                record(
                    CareKind.CERTIFICATE_ALLOWANCE,
                    quarter_end,
                    MONTHLY_ALLOWANCE[best.kind] * 3,
                    f"{CERT_LABEL[best.kind]}职业津贴（第{'一二三四'[quarter]}季度，元）",
                )
            # recuperation leave for long service, flood-season subsidy for some
            if years >= 10 and self.rng.random() < 0.3:
                day = self.this_year_day(
                    max(first_day, date(y, 4, 1)), min(last_day, date(y, 10, 31))
                )
                if day is not None:
                    record(CareKind.RECUPERATION, day, 5, "职工疗休养（5天）")
            if worker.profile is self.jiangsu and self.rng.random() < 0.15:
                day = date(y, 7, 31)
                if first_day <= day <= last_day:
                    record(CareKind.SUBSIDY, day, 500, "防汛防台工作补助（元）")
            if worker.care_fund is not None:
                status, note, amount = worker.care_fund
                recent = self.today - timedelta(days=14)  # a pending application is fresh
                start = max(first_day, recent) if status is CareStatus.APPLIED else first_day
                day = self.this_year_day(start, last_day)
                if day is not None:
                    record(CareKind.CARE_FUND, day, amount, note, status)
        db.session.add_all(rows)
