"""Demo 传帮带 pairings and sessions, the growth plan, and 谈心日 talks."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from portal.demo.common import at
from portal.extensions import db
from portal.org.models import Community
from portal.people.models import User, WorkerProfile


def build_mentoring_demo(*, today: date) -> None:
    """Add 传帮带 and 谈心日 records to the demo street; flush, never commit; idempotent.

    * 13800000003 陈国华 mentors 13900000105 郑雨桐 (the new entrant) since her first day,
      with sessions every ten days (older ones confirmed, with her reflections; the latest
      still to confirm) and a growth plan just begun; an earlier, ended pairing is history.
    * 13800000004 王建国 holds the talks for every community of 湖南路街道: last month with
      13800000001 李晓雯 (her mother's surgery; one follow-up done, one still open and
      overdue, so it carries over), and this month with about half of the street.
    """
    # Imported here so the demo's base data keeps no dependency on the mentoring package.
    from portal.enums import ConcernArea, FollowUpStatus, GrowthKind, MentoringTopic
    from portal.mentoring import rules as mentoring_rules
    from portal.mentoring.models import GrowthItem, MentorPairing, MentorSession
    from portal.talks import rules as talks_rules
    from portal.talks.models import Talk, TalkFollowUp, TalkResponsibility

    session = db.session
    phones = ["13800000001", "13800000003", "13800000004", "13800000005", "13900000105"]
    users = {u.phone: u for u in session.scalars(sa.select(User).where(User.phone.in_(phones)))}
    if len(users) < len(phones):
        return  # not the demo street
    worker_user, mentor, leader, admin, mentee_user = (users[p] for p in phones)
    if session.scalar(sa.select(MentorPairing.id).where(MentorPairing.mentor_id == mentor.id)):
        return  # already built
    street_id = leader.street_id
    communities = session.scalars(
        sa.select(Community.id).where(Community.street_id == street_id).order_by(Community.id)
    ).all()
    session.add_all(TalkResponsibility(leader_id=leader.id, community_id=c) for c in communities)

    team = session.scalars(
        sa.select(WorkerProfile)
        .join(Community, Community.id == WorkerProfile.community_id)
        .where(
            Community.street_id == street_id,
            WorkerProfile.status.in_(sorted(talks_rules.TALK_STATUSES)),
        )
        .order_by(WorkerProfile.user_id)
    ).all()
    mentee = next(w for w in team if w.user_id == mentee_user.id)

    # An earlier pairing, ended at the end of its year: the youngest worker past year one.
    earlier = [
        w
        for w in team
        if w.user_id not in {mentor.id, mentee.user_id}
        and mentoring_rules.in_first_three_years(w.community_work_started_on, today)
        and not mentoring_rules.is_new_entrant(w.community_work_started_on, today)
    ]
    if earlier:
        former = max(earlier, key=lambda w: w.community_work_started_on)
        start = former.community_work_started_on
        session.add(
            MentorPairing(
                mentor_id=mentor.id,
                mentee_id=former.user_id,
                starts_on=start,
                ends_on=mentoring_rules.add_months(start, 12),
                goals="熟悉社区基本情况，掌握入户走访和台账规范",
                end_reason="带教期满，考核合格",
                created_by_id=admin.id,
                created_at=at(start, 10),
            )
        )
        session.add(
            GrowthItem(
                worker_id=former.user_id,
                kind=GrowthKind.VISIT,
                done_on=mentoring_rules.add_months(start, 8),
                evidence="赴上海市宝山区参观社区治理示范点（考察报告已存档）",
                updated_by_id=mentor.id,
            )
        )

    pairing = MentorPairing(
        mentor_id=mentor.id,
        mentee_id=mentee.user_id,
        starts_on=mentee.community_work_started_on,
        goals="半年内独立完成入户走访和矛盾调解记录；一年内能主持居民议事会",
        created_by_id=admin.id,
        created_at=at(mentee.community_work_started_on, 10),
    )
    session.add(pairing)
    session.flush()
    lessons = [
        (
            MentoringTopic.MASS_WORK,
            60,
            "入户走访的准备：先查台账、再约时间，记录居民诉求的要点",
            "下周一起走访独居老人",
            "原来走访前要先看台账，心里更有底了",
        ),
        (
            MentoringTopic.MEDIATION,
            90,
            "邻里噪音纠纷的调解步骤：分别倾听、找共同点、形成书面约定",
            "旁听一次调解会",
            "学会了先听再说",
        ),
        (
            MentoringTopic.LAW,
            45,
            "居民公约修订的程序和居民会议的表决规则",
            "整理本社区居民公约",
            None,
        ),
    ]
    days = [today - timedelta(days=2 + 10 * i) for i in range(len(lessons))]
    for (topic, minutes, passed_on, next_step, reflection), day in zip(lessons, days, strict=True):
        if day < pairing.starts_on:
            continue
        latest = day == days[0]
        session.add(
            MentorSession(
                pairing_id=pairing.id,
                mentor_id=mentor.id,
                mentee_id=mentee.user_id,
                held_on=day,
                minutes=minutes,
                topic=topic,
                passed_on=passed_on,
                next_step=next_step,
                created_at=at(day, 18),
                updated_at=at(day, 18),
                confirmed_at=None if latest else at(day + timedelta(days=1), 9),
                reflection=None if latest else reflection,
            )
        )
    session.add(
        GrowthItem(
            worker_id=mentee.user_id,
            kind=GrowthKind.RESEARCH,
            done_on=None,
            evidence="选题：老旧小区加装电梯的居民协商（已与导师商定）",
            updated_by_id=mentor.id,
        )
    )

    # 谈心日: last month with the demo worker, this month with about half of the street.
    first_of_month = today.replace(day=1)
    last_month = first_of_month - timedelta(days=1)
    talk_on = last_month.replace(day=min(15, last_month.day))
    demo_talk = Talk(
        leader_id=leader.id,
        worker_id=worker_user.id,
        held_on=talk_on,
        concerns=[ConcernArea.FAMILY.value, ConcernArea.HEALTH.value, ConcernArea.WORK.value],
        notes="母亲住院手术，近期往返医院，工作有些顾不过来；学时落后，担心年底考核。",
        help_promised="协助办理关爱基金申请；手术期间调休三天；安排线上课程补学时。",
        created_at=at(talk_on, 16),
    )
    demo_talk.follow_ups = [
        TalkFollowUp(
            worker_id=worker_user.id,
            item="安排调休三天",
            owner="王建国",
            due_on=talk_on + timedelta(days=3),
            status=FollowUpStatus.DONE,
            done_at=at(talk_on + timedelta(days=2), 10),
        ),
        TalkFollowUp(
            worker_id=worker_user.id,
            item="跟进关爱基金审批进度并告知本人",
            owner="刘静（街道管理员）",
            due_on=talk_on + timedelta(days=14),
        ),
    ]
    session.add(demo_talk)
    notes = [
        ("工作节奏还能适应，希望多参加专业培训。", [ConcernArea.WORK, ConcernArea.CAREER]),
        ("孩子今年中考，晚上加班有困难。", [ConcernArea.FAMILY]),
        ("腰椎不适，想了解疗休养安排。", [ConcernArea.HEALTH]),
        ("准备考社会工作师，想请教复习方法。", [ConcernArea.CAREER]),
        ("通勤时间长，生活上有些疲惫。", [ConcernArea.LIFE]),
    ]
    others = [w for w in team if w.user_id not in {worker_user.id, mentor.id}]
    for i, worker in enumerate(others[::2]):
        day = first_of_month + timedelta(days=i % today.day)
        note, concerns = notes[i % len(notes)]
        session.add(
            Talk(
                leader_id=leader.id,
                worker_id=worker.user_id,
                held_on=day,
                concerns=[c.value for c in concerns],
                notes=note,
                help_promised="",
                created_at=at(day, 15),
            )
        )
    session.flush()
