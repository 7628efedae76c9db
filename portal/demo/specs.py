"""The demo organisation and its workers as specs: the named edge cases and the random rest."""

from __future__ import annotations

from datetime import date, timedelta

from portal.demo.common import BuilderBase, CertSpec, WorkerSpec, years_before
from portal.demo.data import (
    BASIC,
    DEPUTY,
    EXC,
    HEAD,
    MAIN_COMMUNITIES,
    OTHER_COMMUNITIES,
    QUAL,
    STAFF,
    UNQ,
)
from portal.enums import (
    CareStatus,
    CertificateKind,
    Education,
    HiringRoute,
    PostType,
    Role,
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

    def build_specs(self) -> None:
        """Plan every worker: the demo logins, the named edge cases, then the random rest."""
        t, rng = self.today, self.rng
        c = self.main_communities
        jiangsu = self.jiangsu
        y0 = date(self.year, 1, 1)
        elapsed = (t - y0).days

        Y = 365  # noqa: N806 - days in a year, for readable offsets

        def special(**kw) -> WorkerSpec:
            kw.setdefault("profile", jiangsu)
            kw.setdefault("joined", kw["started"])
            kw.setdefault("initial_post", STAFF)
            kw.setdefault("roles", (Role.WORKER,))
            kw.setdefault("staff_prefix", "GL")
            kw["name"] = self.name(kw["name"])
            self.phones.add(kw["phone"])
            return self.add_worker(WorkerSpec(**kw))

        # demo logins ------------------------------------------------------------------
        demo_worker = special(
            phone="13800000001",
            name="李晓雯",
            community=c[0],
            post=STAFF,
            started=years_before(t, 4) - timedelta(days=95),
            education=Education.BACHELOR,
            party=True,
            route=HiringRoute.RECRUITED,
            target_grade=4,
            demo=True,
            exam_eligible_on=years_before(t + timedelta(days=100), 3),
            appraisals={self.year - 3: QUAL, self.year - 2: EXC, self.year - 1: QUAL},
            hours_plan="behind",
            care_fund=(CareStatus.APPLIED, "母亲住院手术，申请关爱基金困难补助", 5000),
            fixed_history=[
                (0, STAFF, 2, "招聘入职，定岗定级（本科）"),
                (Y + 60, STAFF, 3, "年度考核优秀晋级"),
                (3 * Y + 60, STAFF, 4, "任职满三年考核合格晋级"),
            ],
        )
        demo_worker.certs.append(
            CertSpec(CertificateKind.GENERALIST, years_before(t, 1) - timedelta(days=40))
        )
        trainer = special(
            phone="13800000002",
            name="周志强",
            community=c[1],
            post=DEPUTY,
            started=years_before(t, 11) - timedelta(days=200),
            education=Education.MASTER,
            party=True,
            route=HiringRoute.ELECTED,
            target_grade=9,
            initial_post=STAFF,
            roles=(Role.WORKER, Role.TRAINER),
            demo=True,
            hours_plan="done",
            fixed_history=[
                (0, STAFF, 3, "招聘入职，定岗定级（硕士）"),
                (2 * Y + 30, STAFF, 4, "年度考核优秀晋级"),
                (3 * Y + 30, STAFF, 5, "取得助理社会工作师证书晋升一级"),
                (5 * Y + 90, DEPUTY, 6, "岗位晋升：当选社区居委会副主任"),
                (7 * Y + 30, DEPUTY, 7, "取得社会工作师证书晋升一级"),
                (9 * Y + 30, DEPUTY, 8, "年度考核优秀晋级"),
                (10 * Y + 60, DEPUTY, 9, "任职满三年考核合格晋级"),
            ],
        )
        trainer.certs += [
            CertSpec(CertificateKind.ASSISTANT_SOCIAL_WORKER, years_before(t, 9)),
            CertSpec(CertificateKind.SOCIAL_WORKER, years_before(t, 5) - timedelta(days=30)),
        ]
        trainer.exam_eligible_on = years_before(t, 10)
        mentor = special(
            phone="13800000003",
            name="陈国华",
            community=c[0],
            post=HEAD,
            started=years_before(t, 22) - timedelta(days=120),
            education=Education.BACHELOR,
            party=True,
            route=HiringRoute.ELECTED,
            target_grade=16,
            initial_post=STAFF,
            roles=(Role.WORKER, Role.MENTOR),
            demo=True,
            hours_plan="done",
            fixed_history=[
                (0, STAFF, 3, "招聘入职，定岗定级"),
                (4 * Y, DEPUTY, 6, "岗位晋升：当选社区居委会副主任"),
                (7 * Y, DEPUTY, 7, "取得助理社会工作师证书晋升一级"),
                (9 * Y, HEAD, 10, "岗位晋升：当选社区党组织书记、居委会主任"),
                (11 * Y, HEAD, 11, "取得社会工作师证书晋升一级"),
                (14 * Y, HEAD, 12, "年度考核优秀晋级"),
                (17 * Y, HEAD, 14, "连续两年考核优秀晋升两级"),
                (20 * Y, HEAD, 15, "工作年限晋级"),
                (21 * Y + 60, HEAD, 16, "年度考核优秀晋级"),
            ],
        )
        mentor.certs += [
            CertSpec(CertificateKind.ASSISTANT_SOCIAL_WORKER, years_before(t, 16)),
            CertSpec(CertificateKind.SOCIAL_WORKER, years_before(t, 12)),
            CertSpec(CertificateKind.GENERALIST, years_before(t, 2)),
        ]
        mentor.exam_eligible_on = years_before(t, 17)

        # edge cases ---------------------------------------------------------------------
        special(
            phone="13900000101",
            name="吴秀兰",
            community=c[2],
            post=STAFF,
            started=years_before(t, 24) - timedelta(days=60),
            education=Education.COLLEGE,
            party=True,
            route=HiringRoute.RECRUITED,
            target_grade=12,
            exam_eligible_on=years_before(t, 2) + timedelta(days=45),
        )
        special(
            phone="13900000102",
            name="孙浩",
            community=c[3],
            post=STAFF,
            started=years_before(t, 5) - timedelta(days=30),
            education=Education.COLLEGE,
            party=False,
            route=HiringRoute.RECRUITED,
            target_grade=3,
            exam_eligible_on=years_before(t, 3) - timedelta(days=75),
        )
        special(
            phone="13900000103",
            name="赵磊",
            community=c[4],
            post=DEPUTY,
            started=years_before(t, 8) - timedelta(days=150),
            education=Education.COLLEGE,
            party=True,
            route=HiringRoute.ELECTED,
            target_grade=7,
            initial_post=DEPUTY,
            appraisals={self.year - 3: QUAL, self.year - 2: QUAL, self.year - 1: UNQ},
            exam_eligible_on=years_before(t, 1),
        )
        special(
            phone="13900000104",
            name="钱丽萍",
            community=c[1],
            post=STAFF,
            started=years_before(t, 6) - timedelta(days=20),
            education=Education.HIGH_SCHOOL,
            party=False,
            route=HiringRoute.RECRUITED,
            target_grade=5,
            appraisals={self.year - 3: QUAL, self.year - 2: BASIC, self.year - 1: BASIC},
            exam_eligible_on=years_before(t, 2),
            care_fund=(
                CareStatus.REJECTED,
                "申请事项不属于关爱基金救助范围（商业保险已全额理赔）",
                3000,
            ),
        )
        special(
            phone="13900000105",
            name="郑雨桐",
            community=c[2],
            post=STAFF,
            started=y0 + timedelta(days=int(elapsed * 0.6)),
            education=Education.BACHELOR,
            party=False,
            route=HiringRoute.RECRUITED,
            target_grade=1,
            hours_plan="pace",
        )
        special(
            phone="13900000106",
            name="冯振宇",
            community=c[3],
            post=STAFF,
            started=years_before(t, 7) - timedelta(days=80),
            joined=y0 + timedelta(days=int(elapsed * 0.3)),
            education=Education.BACHELOR,
            party=True,
            route=HiringRoute.RECRUITED,
            target_grade=6,
            no_records=True,
        )
        for phone, community, reason, since in (
            ("13900000107", c[0], "借调至鼓楼区民政局协助养老服务补贴核查", 45),
            ("13900000108", c[4], "借调至区委社会工作部协助新就业群体党建工作", 100),
        ):
            worker = self.random_worker(community, jiangsu, STAFF, "GL")
            self.phones.discard(worker.phone)
            worker.phone = phone
            self.phones.add(phone)
            worker.status = WorkerStatus.SECONDED
            worker.status_since = t - timedelta(days=since)
            worker.status_until = worker.status_since + timedelta(days=150)  # ≤ 6 months
            worker.status_reason = reason
            worker.hours_plan = "behind"
            self.add_worker(worker)
        exited = self.random_worker(c[1], jiangsu, STAFF, "GL")
        self.phones.discard(exited.phone)
        exited.phone = "13900000109"
        self.phones.add(exited.phone)
        exited.status = WorkerStatus.EXITED
        exited.status_since = t - timedelta(days=80)
        exited.status_reason = "本人申请辞职（考入事业单位）"
        exited.hours_plan = "behind"
        self.add_worker(exited)

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
