"""Roster import: creates and updates workers, all-or-nothing, idempotent, street-scoped."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from portal.enums import Education, HiringRoute, PostType, Role
from portal.imports.commit import load_street, run_import
from portal.imports.reader import Limits
from portal.imports.templates import Kind
from portal.models import AuditEntry, GradeChange, User, UserRole, WorkerProfile
from portal.timeutil import local_today
from tests.admin.roster_support import build_team, workbook


@pytest.fixture(autouse=True)
def chinese(db):
    """Messages in the default language: these tests run outside any request."""
    with force_locale("zh_Hans_CN"):
        yield


@pytest.fixture
def team(db):
    """A street with three workers, a sister street and another district."""
    return build_team()


def _run(team, data: bytes, *, commit: bool = True, kind: Kind = Kind.ROSTER):
    return run_import(
        data,
        kind,
        street=load_street(team.street.id),
        actor=team.admin,
        today=local_today(),
        filename="花名册.xlsx",
        commit=commit,
        limits=Limits.from_config(current_app.config),
    )


def _row(team, name, phone, *, staff="", community=None, post="一般工作人员", grade=3, **more):
    return [
        name,
        phone,
        staff,
        community or team.east.name,
        post,
        grade,
        more.get("started", "2020-05-01"),
        more.get("joined", ""),
        more.get("education", "本科"),
        more.get("party", "是"),
        more.get("route", "招聘"),
        more.get("eligible", ""),
        more.get("reason", ""),
    ]


def _counts(db) -> tuple[int, ...]:
    tables = (User, WorkerProfile, UserRole, GradeChange, AuditEntry)
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(table)) for table in tables
    )


def _snapshot(db, team):
    db.session.expire_all()
    return [
        (w.user.name, w.user.phone, w.user.staff_no, w.community_id, w.post_type, w.grade)
        for w in team.workers
    ]


def test_good_file_creates_and_updates(db, team):
    """A valid file creates new workers and updates matched ones, with history and audit."""
    existing = team.workers[0]
    data = workbook(
        Kind.ROSTER,
        [
            _row(team, "新人甲", "13911110001", staff="N-0001", started=datetime(2021, 3, 1)),
            _row(team, "新人乙", 13911110002, community=team.west.name, post="副职", grade=5),
            _row(
                team,
                existing.user.name,
                existing.user.phone,
                staff=existing.user.staff_no,
                grade=4,
                started="2018-03-01",
                party="否",
                education="本科",
                reason="年度考核优秀晋级",
            ),
        ],
    )

    report = _run(team, data)
    db.session.commit()

    assert report.ok and report.committed
    assert [c.row for c in report.created] == [2, 3]
    assert [c.row for c in report.updated] == [4]
    assert report.logins_created == 2
    new = db.session.scalar(sa.select(User).where(User.phone == "13911110001"))
    assert new.staff_no == "N-0001"
    assert new.street_id == team.street.id
    assert new.roles == frozenset({Role.WORKER})
    assert new.must_change_password
    assert not new.check_password("") and not new.check_password("13911110001")
    assert new.worker.community_work_started_on == date(2021, 3, 1)
    assert new.worker.joined_on == date(2021, 3, 1)  # defaults to the start of work
    assert new.worker.education is Education.BACHELOR
    assert new.worker.party_member is True
    assert new.worker.hiring_route is HiringRoute.RECRUITED
    second = db.session.scalar(sa.select(User).where(User.phone == "13911110002"))
    assert second.worker.post_type is PostType.DEPUTY and second.worker.grade == 5
    db.session.refresh(existing)
    assert existing.grade == 4
    history = db.session.scalars(
        sa.select(GradeChange).where(GradeChange.worker_id == existing.user_id)
    ).all()
    assert [(h.from_grade, h.to_grade, h.reason) for h in history] == [(3, 4, "年度考核优秀晋级")]
    assert history[0].recorded_by_id == team.admin.id
    update = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "worker_updated", AuditEntry.subject_id == existing.user_id
        )
    )
    assert update.detail["before"] == {"grade": 3} and update.detail["after"] == {"grade": 4}
    assert update.actor_id == team.admin.id


def test_reimport_changes_nothing(db, team):
    """Importing the same file twice changes nothing the second time: 0 changes."""
    data = workbook(
        Kind.ROSTER,
        [_row(team, "新人甲", "13911110011"), _row(team, "新人乙", "13911110012", staff="S-2")],
    )
    assert _run(team, data).committed
    db.session.commit()
    before = _counts(db)

    again = _run(team, data, commit=False)

    assert again.ok
    assert again.changes == 0
    assert again.unchanged == 2
    committed = _run(team, data)
    db.session.commit()
    assert committed.changes == 0
    # Only the summary entry of the (empty) second import is new.
    assert _counts(db)[:4] == before[:4]


@pytest.mark.parametrize(
    ("post", "grade", "says"),
    [
        ("正职", 19, "岗位等级 19 超出正职的 7–18 级"),
        ("正职", 0, "岗位等级 0 超出正职的 7–18 级"),
        ("一般工作人员", 18, "岗位等级 18 超出一般工作人员的 1–12 级"),
    ],
)
def test_an_impossible_grade_is_told_with_the_post_types_range(db, team, post, grade, says):
    """Any grade outside the post type's range names that range, as the form does."""
    data = workbook(Kind.ROSTER, [_row(team, "等级", "13911110031", post=post, grade=grade)])
    before = _counts(db)

    report = _run(team, data)

    assert not report.committed
    assert [error.text for error in report.errors] == [f"第 2 行：{says}"]
    assert _counts(db) == before


def test_mixed_bad_rows_change_nothing_and_every_bad_row_is_reported(db, team):
    """One bad row means nothing is written, and every bad row is reported with its number."""
    data = workbook(
        Kind.ROSTER,
        [
            _row(team, "好人甲", "13911110021"),  # row 2: good
            _row(team, "错号", "1380000"),  # row 3: phone
            _row(team, "超级", "13911110023", grade=13),  # row 4: grade range
            _row(team, "好人乙", "13911110024"),  # row 5: good
            _row(team, "无社区", "13911110025", community="火星社区"),  # row 6
            _row(team, "重复", "13911110021"),  # row 7: duplicate phone of row 2
            _row(team, "坏日期", "13911110027", started="2020/13/45"),  # row 8
            _row(team, "未来", "13911110028", started="2999-01-01"),  # row 9
            _row(team, "", "13911110029", post="主任"),  # row 10: empty name, bad post
            [None] * 13,  # a blank line is skipped, not an error
            _row(  # row 12: a grade change without its reason
                team,
                team.workers[0].user.name,
                team.workers[0].user.phone,
                grade=5,
                started="2018-03-01",
            ),
        ],
    )
    before_counts, before_workers = _counts(db), _snapshot(db, team)

    report = _run(team, data)

    assert not report.committed
    assert sorted({error.row for error in report.errors}) == [3, 4, 6, 7, 8, 9, 10, 12]
    texts = [error.text for error in report.errors]
    assert "第 3 行：手机号 1380000 格式不正确" in texts
    assert "第 4 行：岗位等级 13 超出一般工作人员的 1–12 级" in texts
    assert any(t.startswith("第 6 行：社区“火星社区”不是本街道的社区") for t in texts)
    assert "第 7 行：手机号 13911110021 已在第 2 行出现" in texts
    assert any(t.startswith("第 8 行：开始从事社区工作日期 2020/13/45 不是日期") for t in texts)
    assert "第 9 行：开始从事社区工作日期 2999-01-01 晚于今天" in texts
    assert "第 10 行：姓名未填写" in texts
    assert any(t.startswith("第 10 行：岗位类型“主任”不是可选值") for t in texts)
    assert any(t.startswith("第 12 行：岗位或等级有变动") for t in texts)
    assert _counts(db) == before_counts
    assert _snapshot(db, team) == before_workers


def test_rows_for_other_streets_are_errors(db, team):
    """A row whose phone belongs to another street's worker or an admin is refused."""
    data = workbook(
        Kind.ROSTER,
        [
            _row(team, team.sister_worker.user.name, team.sister_worker.user.phone),
            _row(team, "管理员", team.admin.phone),
            _row(
                team,
                "他人",
                "13911110031",
                staff=team.workers[0].user.staff_no,
                started="2018-03-01",
            ),
        ],
    )
    before = _snapshot(db, team)

    report = _run(team, data)

    assert not report.committed
    assert [e.row for e in report.errors] == [2, 3]
    assert "本街道花名册以外的账号" in report.errors[0].text
    # Row 4 matches the own-street worker by staff number: it would rename and re-phone them.
    assert [c.row for c in report.updated] == [4]
    assert _snapshot(db, team) == before


def test_staff_number_of_someone_else_is_an_error(db, team):
    """A row whose phone and staff number belong to two different workers is refused."""
    first, second = team.workers[0], team.workers[1]
    data = workbook(
        Kind.ROSTER, [_row(team, first.user.name, first.user.phone, staff=second.user.staff_no)]
    )
    report = _run(team, data)
    assert not report.ok
    assert "与手机号不属于同一账号" in report.errors[0].text


def test_blank_optional_cells_keep_stored_values(db, team):
    """A blank staff number or eligibility date leaves the stored value as it is."""
    worker = team.workers[0]
    worker.exam_eligible_on = date(2022, 1, 1)
    db.session.flush()
    data = workbook(
        Kind.ROSTER,
        [_row(team, worker.user.name, worker.user.phone, party="否", started="2018-03-01")],
    )
    report = _run(team, data, commit=False)
    assert report.ok and report.changes == 0 and report.unchanged == 1


def test_moderately_large_file(db, team):
    """A 2,000-row roster imports completely and a second run finds every row unchanged."""
    rows = [
        _row(team, f"批量{i}", f"1370{i:07d}", staff=f"B{i:05d}", grade=1 + i % 12)
        for i in range(2000)
    ]
    data = workbook(Kind.ROSTER, rows)

    report = _run(team, data)
    db.session.commit()

    assert report.committed and len(report.created) == 2000
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.phone.like("1370%"))
    )
    assert count == 2000
    grades = db.session.scalar(
        sa.select(WorkerProfile.grade).join(User).where(User.phone == "13700001999")
    )
    assert grades == 1 + 1999 % 12
    assert _run(team, data, commit=False).unchanged == 2000
