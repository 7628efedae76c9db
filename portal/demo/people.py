"""Demo users, profiles, grade histories, certificates and appraisals from the specs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from portal.appraisal.models import Appraisal
from portal.certificates.models import Certificate
from portal.demo.common import CertSpec, DemoLogin, GradeStep, WorkerSpec, at
from portal.demo.data import (
    BASIC,
    CERT_LABEL,
    DEPUTY,
    EXC,
    HEAD,
    LOGIN_NOTES,
    PROMOTION_REASONS,
    QUAL,
    STAFF,
    UNQ,
)
from portal.demo.specs import WorkerSpecs
from portal.enums import (
    AppraisalResult,
    CertificateKind,
    HiringRoute,
    PostType,
    Role,
    WorkerStatus,
)
from portal.extensions import db
from portal.org.models import Street
from portal.people.models import GradeChange, User, UserRole, WorkerProfile
from portal.policy import rules


class PeopleSteps(WorkerSpecs):
    """Turn worker specs into users, profiles, history, certificates and appraisals."""

    # ---- grade history
    def plan_histories(self) -> None:
        """Plan the grade history of every worker, in the order they were planned."""
        for worker in self.workers:
            self.plan_history(worker)

    def plan_history(self, worker: WorkerSpec) -> None:
        """Walk back from the current post and grade to the entry appointment."""
        if worker.no_records:
            return
        rng, profile = self.rng, worker.profile
        if worker.fixed_history:
            previous: tuple[PostType | None, int | None] = (None, None)
            for offset, post, grade, reason in worker.fixed_history:
                rules.check_grade(profile, post, grade)
                day = worker.started + timedelta(days=offset)
                worker.history.append((day, *previous, post, grade, reason))
                previous = (post, grade)
            return
        years = rules.years_of_service(worker.started, self.today)
        chain = [STAFF, DEPUTY, HEAD]
        chain = chain[chain.index(worker.initial_post) : chain.index(worker.post) + 1]
        steps = min(years, rng.randint(2, 4) + years // 8, 6 + (worker.target_grade > 12))
        if worker.target_grade >= 12:  # long careers climb further
            steps = min(years, 8)
        post, grade = worker.post, worker.target_grade
        changes_left = len(chain) - 1
        backwards: list[tuple[PostType, int, PostType, int, str]] = []
        for remaining in range(steps, 0, -1):
            low = rules.grade_range(profile, post).low
            must_change = changes_left and (grade - 1 < low or remaining <= changes_left)
            if must_change or (changes_left and rng.random() < changes_left / remaining):
                prev_post = chain[chain.index(post) - 1]
                prev_low, prev_high = rules.grade_range(profile, prev_post)
                prev_grade = max(min(grade - 1, prev_high), prev_low)
                what = {DEPUTY: "当选社区居委会副主任", HEAD: "当选社区党组织书记、居委会主任"}
                backwards.append((prev_post, prev_grade, post, grade, f"岗位晋升：{what[post]}"))
                post, grade = prev_post, prev_grade
                changes_left -= 1
                continue
            size = 2 if years >= 12 and grade - 2 >= low and rng.random() < 0.35 else 1
            if grade - size < low:
                break
            reason = "连续两年考核优秀晋升两级" if size == 2 else rng.choice(PROMOTION_REASONS)
            backwards.append((post, grade - size, post, grade, reason))
            grade -= size
        if changes_left:  # should not happen: every chain fits in the steps planned
            raise AssertionError(f"cannot build a grade history for {worker.name}")
        entry_reason = (
            "当选社区'两委'成员，定岗定级"
            if worker.route is HiringRoute.ELECTED
            else "招聘入职，定岗定级"
        )
        if grade > rules.grade_range(profile, post).low + 2:
            entry_reason += "（既往社区工作年限折算）"
        # The history follows the worker across moves inside the province [004 §4].
        history: list[GradeStep] = [(worker.started, None, None, post, grade, entry_reason)]
        forwards = list(reversed(backwards))
        years_available = list(range(1, years + 1))
        chosen = sorted(rng.sample(years_available, len(forwards)))
        certs = sorted(
            (c for c in worker.certs if c.kind.is_social_work_qualification),
            key=lambda c: c.issued_on,
        )
        for (from_post, from_grade, to_post, to_grade, reason), year in zip(
            forwards, chosen, strict=True
        ):
            day = worker.started + timedelta(days=365 * year + rng.randint(0, 40))
            day = min(day, self.today - timedelta(days=1))
            if day <= history[-1][0]:
                day = history[-1][0] + timedelta(days=1)
            if (
                from_post == to_post
                and to_grade - from_grade == 1
                and certs
                and certs[0].issued_on <= day
            ):
                reason = f"取得{CERT_LABEL[certs[0].kind]}证书晋升一级"
                certs.pop(0)
            history.append((day, from_post, from_grade, to_post, to_grade, reason))
        for _, _, _, to_post, to_grade, _ in history:
            rules.check_grade(profile, to_post, to_grade)
        worker.history = history

    # ---- rows: users, profiles, history, certificates
    def build_people(self) -> list[DemoLogin]:
        """Add users, roles, profiles, grade history and certificates; return the demo logins."""
        session = db.session
        users: list[User] = []
        workers_sorted = sorted(self.workers, key=lambda w: (w.staff_prefix, w.joined))
        for worker in workers_sorted:
            prefix = worker.staff_prefix
            self.staff_seq[prefix] += self.rng.randint(1, 9)
            staff_no = f"{prefix}{worker.joined.year}-{self.staff_seq[prefix]:04d}"
            user = User(
                phone=worker.phone,
                staff_no=staff_no,
                name=worker.name,
                street_id=worker.street.id,
                must_change_password=not worker.demo,
                is_enabled=worker.status is not WorkerStatus.EXITED,
            )
            roles = worker.roles or (Role.WORKER,)
            user.role_rows = [UserRole(role=role) for role in roles]
            self.set_password(user, demo=worker.demo)
            worker.user = user
            users.append(user)

        def staff_user(
            phone: str, name: str, street: Street | None, role: Role, demo: bool
        ) -> User:
            street_id = street.id if street is not None else None
            user = User(phone=phone, name=name, street_id=street_id, must_change_password=not demo)
            user.role_rows = [UserRole(role=role)]
            self.set_password(user, demo=demo)
            self.phones.add(phone)
            users.append(user)
            return user

        self.talk_leader = staff_user(
            "13800000004", self.name("王建国"), self.main_street, Role.TALK_LEADER, True
        )
        self.admin = staff_user(
            "13800000005", self.name("刘静"), self.main_street, Role.STREET_ADMIN, True
        )
        self.other_admin = staff_user(
            self.phone(), self.name(), self.other_street, Role.STREET_ADMIN, False
        )
        # Sets up districts, streets and communities on /platform; belongs to no street.
        self.platform_admin = staff_user(
            "13800000006", self.name("林志远"), None, Role.PLATFORM_ADMIN, True
        )
        session.add_all(users)
        session.flush()

        profiles = []
        for worker in self.workers:
            profiles.append(
                WorkerProfile(
                    user_id=worker.account.id,
                    community_id=worker.community.id,
                    post_type=worker.post,
                    grade=worker.grade,
                    community_work_started_on=worker.started,
                    joined_on=worker.joined,
                    education=worker.education,
                    party_member=worker.party,
                    hiring_route=worker.route,
                    status=worker.status,
                    status_since=worker.status_since,
                    status_until=worker.status_until,
                    status_reason=worker.status_reason,
                    exam_eligible_on=worker.exam_eligible_on,
                )
            )
        session.add_all(profiles)
        session.flush()

        rows: list = []
        for worker in self.workers:
            for day, from_post, from_grade, to_post, to_grade, reason in worker.history:
                rows.append(
                    GradeChange(
                        worker_id=worker.account.id,
                        changed_on=day,
                        from_post_type=from_post,
                        from_grade=from_grade,
                        to_post_type=to_post,
                        to_grade=to_grade,
                        reason=reason,
                        recorded_by_id=self.admin.id
                        if worker.street is self.main_street
                        else self.other_admin.id,
                    )
                )
            rows.extend(self.certificate_rows(worker))
        session.add_all(rows)

        names = {w.phone: w.name for w in self.workers}
        names["13800000004"] = self.talk_leader.name
        names["13800000005"] = self.admin.name
        names["13800000006"] = self.platform_admin.name
        return [
            DemoLogin(role, phone, names[phone], look_at)
            for phone, (role, look_at) in LOGIN_NOTES.items()
        ]

    def set_password(self, user: User, *, demo: bool) -> None:
        """Give the demo logins the password, everyone else one shared hash (forced change)."""
        if demo or self.shared_hash is None:
            user.set_password(self.password)
            if not demo:
                self.shared_hash = user.password_hash
        else:
            user.password_hash = self.shared_hash

    def certificate_rows(self, worker: WorkerSpec) -> Iterable[Certificate]:
        """Return the certificate rows of a worker's certificate specs."""
        province = "32" if worker.profile is self.jiangsu else "31"
        for cert in worker.certs:
            self.cert_seq[cert.kind] += self.rng.randint(1, 40)
            seq = self.cert_seq[cert.kind]
            if cert.kind is CertificateKind.GENERALIST:
                number = f"QKSG-{cert.issued_on.year}-{province}{seq:05d}"
                issuer = "南京市鼓楼区民政局" if province == "32" else "上海市宝山区民政局"
                registered = None
            else:
                level = 1 if cert.kind is CertificateKind.ASSISTANT_SOCIAL_WORKER else 2
                number = f"{cert.issued_on.year}{province}{level}{seq:07d}"
                issuer = "人力资源社会保障部 民政部"
                registered = cert.issued_on + timedelta(days=self.rng.randint(20, 80))
                if registered >= self.today:
                    registered = None
            yield Certificate(
                worker_id=worker.account.id,
                kind=cert.kind,
                number=number,
                issued_on=cert.issued_on,
                registered_on=registered,
                issuer=issuer,
            )

    def add_counsellors(self) -> None:
        """Give a few workers a 心理咨询师 or 全科社工 certificate (not social-work ones)."""
        pool = [
            w
            for w in self.workers
            if w.street is self.main_street
            and not w.demo
            and not w.no_records
            and w.status is WorkerStatus.ACTIVE
            and (self.today - w.started).days > 800
        ]
        for worker in self.rng.sample(pool, 3):
            issued = worker.started + timedelta(
                days=self.rng.randint(200, (self.today - worker.started).days - 60)
            )
            worker.certs.append(CertSpec(CertificateKind.COUNSELLOR, issued))
        generalists = [
            w for w in pool if not any(c.kind is CertificateKind.GENERALIST for c in w.certs)
        ]
        for worker in self.rng.sample(generalists, 4):
            worker.certs.append(CertSpec(CertificateKind.GENERALIST, self.days_ago(60, 700)))

    # ---- appraisals
    def build_appraisals(self) -> None:
        """Add three years of published appraisals (fixed for edge cases, else random)."""
        rows = []
        for worker in self.workers:
            if worker.no_records:
                continue
            history = worker.appraisals or self.random_appraisals(worker)
            for year, result in sorted(history.items()):
                score = {
                    EXC: self.rng.randint(900, 980),
                    QUAL: self.rng.randint(760, 889),
                    BASIC: self.rng.randint(620, 740),
                    UNQ: self.rng.randint(450, 590),
                }[result]
                comment = {
                    UNQ: "群众满意度测评较低，多项任务未按期完成；已进行诫勉谈话",
                    BASIC: "工作基本完成，入户走访记录不全，需加强",
                    EXC: "工作实绩突出，居民满意度高",
                }.get(result)
                published = min(date(year + 1, 1, 20), self.today)
                rows.append(
                    Appraisal(
                        worker_id=worker.account.id,
                        year=year,
                        result=result,
                        score=Decimal(score) / 10,
                        comment=comment,
                        published_at=at(published, 10),
                    )
                )
        db.session.add_all(rows)

    def random_appraisals(self, worker: WorkerSpec) -> dict[int, AppraisalResult]:
        """Draw three years of results without an exit risk (those are edge cases)."""
        history: dict[int, AppraisalResult] = {}
        for year in range(self.year - 3, self.year):
            if worker.joined > date(year, 9, 30):
                continue  # joined too late in the year to be appraised
            history[year] = self.rng.choices([EXC, QUAL, BASIC], weights=[22, 70, 8])[0]
        if history and rules.exit_risks(worker.profile, history, hiring_route=worker.route):
            history[max(history)] = QUAL  # exit risks belong to the named edge cases only
        return history
