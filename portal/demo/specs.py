"""The demo organisation and its workers as specs: the named edge cases and the random rest."""

from __future__ import annotations

from datetime import date, timedelta

from portal.demo.common import (
    Ago,
    BuilderBase,
    CertSpec,
    DayOffset,
    DueIn,
    NamedWorker,
    WorkerSpec,
    years_before,
)
from portal.demo.data import DEPUTY, HEAD, MAIN_COMMUNITIES, OTHER_COMMUNITIES, STAFF
from portal.demo.named import AWAY_WORKERS, NAMED_WORKERS
from portal.enums import (
    CareStatus,
    CertificateKind,
    Education,
    HiringRoute,
    PostType,
    WorkerStatus,
)
from portal.extensions import db
from portal.org.models import Community, District, Street
from portal.policy import rules
from portal.policy.profiles import PolicyProfile


class WorkerSpecs(BuilderBase):
    """Build the districts, streets and communities, then plan every worker."""

    # ---- organisation
    def build_org(self) -> None:
        """Add the two districts, streets and their communities."""
        session = db.session
        self.main_district = District(name="南京市鼓楼区", policy_code="jiangsu")
        self.other_district = District(name="上海市宝山区", policy_code="shanghai_baoshan")
        self.main_street = Street(district=self.main_district, name="湖南路街道")
        self.other_street = Street(district=self.other_district, name="友谊路街道")
        self.main_communities = [
            Community(street=self.main_street, name=n, population=p, households=h)
            for n, p, h in MAIN_COMMUNITIES
        ]
        self.other_communities = [
            Community(street=self.other_street, name=n, population=p, households=h)
            for n, p, h in OTHER_COMMUNITIES
        ]
        session.add_all(
            [
                self.main_district,
                self.other_district,
                self.main_street,
                self.other_street,
                *self.main_communities,
                *self.other_communities,
            ]
        )
        session.flush()

    # ---- worker specs
    def random_worker(
        self, community: Community, profile: PolicyProfile, post: PostType, prefix: str
    ) -> WorkerSpec:
        """Plan a random worker of a post with a plausible career and certificates."""
        rng = self.rng
        min_years = {HEAD: 4, DEPUTY: 2, STAFF: 1}[post]
        max_years = {HEAD: 25, DEPUTY: 22, STAFF: 20}[post]
        started = self.days_ago(min_years * 365 + 40, max_years * 365)
        joined = started
        if rng.random() < 0.12:  # moved in from another street of the province [004 §4]
            joined = started + timedelta(days=rng.randint(365, (self.today - started).days - 30))
        education = rng.choices(
            [Education.HIGH_SCHOOL, Education.COLLEGE, Education.BACHELOR, Education.MASTER],
            weights=[13, 32, 47, 8],
        )[0]
        party = rng.random() < {HEAD: 0.95, DEPUTY: 0.8, STAFF: 0.6}[post]
        elected = rng.random() < {HEAD: 0.75, DEPUTY: 0.55, STAFF: 0.1}[post]
        route = HiringRoute.ELECTED if elected else HiringRoute.RECRUITED
        initial = {
            HEAD: STAFF if rng.random() < 0.6 else DEPUTY,
            DEPUTY: STAFF if rng.random() < 0.7 else DEPUTY,
            STAFF: STAFF,
        }[post]
        years = rules.years_of_service(started, self.today)
        low, high = rules.grade_range(profile, post)
        target = low + round(years * 0.4) + rng.randint(-1, 1)
        target = min(max(target, low), high - 1)  # the top of a range is an edge case below
        worker = WorkerSpec(
            phone=self.phone(),
            name=self.name(),
            community=community,
            profile=profile,
            post=post,
            started=started,
            joined=joined,
            education=education,
            party=party,
            route=route,
            initial_post=initial,
            target_grade=target,
            staff_prefix=prefix,
        )
        self.plan_certificates(worker)
        return worker

    def plan_certificates(self, worker: WorkerSpec) -> None:
        """About half hold a social-work certificate; the others get an exam-eligible date."""
        rng = self.rng
        service_days = (self.today - worker.started).days
        chance = {
            Education.HIGH_SCHOOL: 0.2,
            Education.COLLEGE: 0.45,
            Education.BACHELOR: 0.6,
            Education.MASTER: 0.75,
        }[worker.education]
        if service_days > 420 and rng.random() < chance:
            issued = worker.started + timedelta(days=rng.randint(300, service_days - 60))
            worker.certs.append(CertSpec(CertificateKind.ASSISTANT_SOCIAL_WORKER, issued))
            worker.exam_eligible_on = years_before(issued, rng.randint(1, 2))
            later = issued + timedelta(days=rng.randint(700, 1500))
            if later < self.today - timedelta(days=30) and rng.random() < 0.4:
                worker.certs.append(CertSpec(CertificateKind.SOCIAL_WORKER, later))
        elif service_days >= 730:
            # Deadline at least 200 days away: only named edge cases are amber or overdue.
            eligible = self.today - timedelta(days=rng.randint(30, 3 * 365 - 200))
            worker.exam_eligible_on = max(eligible, worker.started + timedelta(days=365))

    def add_worker(self, worker: WorkerSpec) -> WorkerSpec:
        """Add a worker spec to the street."""
        self.workers.append(worker)
        return worker

    def day(self, offset: DayOffset) -> date:
        """Return the day an offset of the named workers' table stands for."""
        today = self.today
        if isinstance(offset, Ago):
            return years_before(today, offset.years) - timedelta(days=offset.days)
        if isinstance(offset, DueIn):
            return years_before(today + timedelta(days=offset.days), offset.years)
        new_year = date(self.year, 1, 1)
        return new_year + timedelta(days=int((today - new_year).days * offset.share))

    def named_worker(self, row: NamedWorker) -> WorkerSpec:
        """Plan a worker of the main street fixed by hand (a demo login or an edge case)."""
        started = self.day(row.started)
        appraisals = None
        if row.appraisals is not None:
            first = self.year - len(row.appraisals)
            appraisals = {first + i: result for i, result in enumerate(row.appraisals)}
        self.phones.add(row.phone)
        return WorkerSpec(
            phone=row.phone,
            name=self.name(row.name),
            community=self.main_communities[row.community],
            profile=self.jiangsu,
            post=row.post,
            started=started,
            joined=started if row.joined is None else self.day(row.joined),
            education=row.education,
            party=row.party,
            route=row.route,
            initial_post=row.initial_post,
            target_grade=row.target_grade,
            exam_eligible_on=None if row.exam_eligible is None else self.day(row.exam_eligible),
            certs=[CertSpec(kind, self.day(issued)) for kind, issued in row.certs],
            roles=row.roles,
            demo=row.demo,
            no_records=row.no_records,
            appraisals=appraisals,
            fixed_history=None if row.fixed_history is None else list(row.fixed_history),
            hours_plan=row.hours_plan,
            care_fund=row.care_fund,
        )

    def build_specs(self) -> None:
        """Plan every worker: the demo logins, the named edge cases, then the random rest."""
        t, rng = self.today, self.rng
        c = self.main_communities
        jiangsu = self.jiangsu
        for row in NAMED_WORKERS:
            self.add_worker(self.named_worker(row))
        for phone, place, status, reason, since in AWAY_WORKERS:
            worker = self.random_worker(c[place], jiangsu, STAFF, "GL")
            self.phones.discard(worker.phone)
            worker.phone = phone
            self.phones.add(phone)
            worker.status = status
            worker.status_since = t - timedelta(days=since)
            if status is WorkerStatus.SECONDED:
                worker.status_until = worker.status_since + timedelta(days=150)  # ≤ 6 months
            worker.status_reason = reason
            worker.hours_plan = "behind"
            self.add_worker(worker)

        # the rest of the street: 8 正职, 14 副职, 38 一般工作人员 in all ---------------------
        counts = {HEAD: 8, DEPUTY: 14, STAFF: 38}
        for worker in self.workers:
            counts[worker.post] -= 1
        slot = 0
        for post in (HEAD, DEPUTY, STAFF):
            for _ in range(counts[post]):
                self.add_worker(self.random_worker(c[slot % len(c)], jiangsu, post, "GL"))
                slot += 1

        # the other district's street: 2 + 2 + 4 ---------------------------------------------
        for i, post in enumerate((HEAD, HEAD, DEPUTY, DEPUTY, STAFF, STAFF, STAFF, STAFF)):
            community = self.other_communities[i % 2]
            self.add_worker(self.random_worker(community, self.baoshan, post, "BS"))

        funds = (
            (CareStatus.APPROVED, "入户走访途中摔伤骨折住院，关爱基金慰问", 6000),
            (CareStatus.APPROVED, "配偶患重病，家庭生活困难，申请关爱基金救助", 8000),
        )
        ordinary = [
            w
            for w in self.workers
            if w.appraisals is None
            and w.status is WorkerStatus.ACTIVE
            and w.street is self.main_street
        ]
        for worker, fund in zip(rng.sample(ordinary, len(funds)), funds, strict=True):
            worker.care_fund = fund
