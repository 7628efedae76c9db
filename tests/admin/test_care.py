"""Care and benefits: the street records benefits and leave days; workers apply to the care fund.

A care-fund application goes APPLIED → APPROVED or REJECTED once; the worker sees the
status on their care-fund page and their care card. Bad input is refused in Chinese and
changes nothing.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.care import operations
from portal.care.views import _years_worked
from portal.enums import CareKind, CareStatus, Role
from portal.extensions import db
from portal.models import AuditEntry, CareEntitlement, CareRecord, Notification, Upload
from portal.policy import rules
from portal.timeutil import local_today, utcnow
from tests.admin.roster_support import build_team
from tests.factories import new_user
from tests.helpers import csrf_token, logged_in, post_form
from tests.outside import files


@pytest.fixture(scope="session")
def _upload_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("care-uploads")


@pytest.fixture(autouse=True)
def upload_dir(app, _upload_folder, monkeypatch) -> Path:
    """Uploads go to a temporary folder, never the real instance."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(_upload_folder))
    return _upload_folder


@pytest.fixture
def team(db):
    """A street with three workers, a sister street and another district."""
    return build_team(workers=3)


def _stored(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def _records(worker=None, kind=None) -> list[CareRecord]:
    db.session.expire_all()
    statement = sa.select(CareRecord).order_by(CareRecord.id)
    if worker is not None:
        statement = statement.where(CareRecord.worker_id == worker.user_id)
    if kind is not None:
        statement = statement.where(CareRecord.kind == kind)
    return db.session.scalars(statement).all()


def _audit(action: str) -> list[AuditEntry]:
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


def apply(client, *, reason="工作中摔伤住院", amount="3000", attachment=None):
    """Send a care-fund application from the worker's phone."""
    data = {
        "csrf_token": csrf_token(client, "/me/care-fund"),
        "reason": reason,
        "amount": amount,
    }
    if attachment is not None:
        content, name = attachment
        data["attachment"] = (io.BytesIO(content), name)
    return client.post("/me/care-fund", data=data, content_type="multipart/form-data")


# -- the worker applies ----------------------------------------------------------------------


def test_worker_applies_with_a_pdf_and_sees_the_application(app, team, upload_dir):
    """An application with reason, amount and a PDF is stored as "applied" and listed."""
    worker = team.workers[0]
    client = logged_in(app, worker.user)
    response = apply(client, attachment=(files.pdf(), "住院发票.pdf"))
    assert response.status_code == 303
    [record] = _records(worker, CareKind.CARE_FUND)
    assert (record.status, record.quantity, record.note) == (
        CareStatus.APPLIED,
        Decimal("3000.0"),
        "工作中摔伤住院",
    )
    upload = db.session.get(Upload, record.upload_id)
    assert upload.content_type == "application/pdf" and upload.owner_id == worker.user_id
    assert upload.storage_key in _stored(upload_dir)
    page = client.get("/me/care-fund").get_data(as_text=True)
    assert "3,000 元" in page and "已申请" in page and "住院发票.pdf" in page
    [entry] = _audit("care_fund_applied")
    assert entry.detail["worker_id"] == worker.user_id


def test_application_without_attachment_is_accepted(app, team):
    """The proof is optional."""
    client = logged_in(app, team.workers[0].user)
    assert apply(client, amount="1500.5").status_code == 303
    [record] = _records(team.workers[0], CareKind.CARE_FUND)
    assert record.quantity == Decimal("1500.5") and record.upload_id is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": ""}, "请填写金额（元）"),
        ({"amount": "abc"}, "请用数字填写金额"),
        ({"amount": "0"}, "金额须大于 0 元"),
        ({"amount": "12.34"}, "请用数字填写金额"),
        ({"amount": "2000000"}, "不超过 100 万元"),
        ({"reason": "   "}, "请说明情况"),
        ({"reason": "长" * 301}, "最多 300 个字"),
    ],
)
def test_bad_application_is_refused_and_nothing_is_stored(app, team, upload_dir, fields, message):
    """A missing or bad amount or reason: 422, a Chinese message, no record and no file kept."""
    client = logged_in(app, team.workers[0].user)
    before = _stored(upload_dir)
    response = apply(client, attachment=(files.png(), "发票.png"), **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert not _records(kind=CareKind.CARE_FUND)
    assert _stored(upload_dir) == before


def test_attachment_that_is_no_photo_or_pdf_is_refused(app, team, upload_dir):
    """A file that is neither photo nor PDF (whatever its name) is refused; nothing is saved."""
    client = logged_in(app, team.workers[0].user)
    before = _stored(upload_dir)
    response = apply(client, attachment=(b"#!/bin/sh\necho hi\n", "bill.pdf"))
    assert response.status_code == 422
    assert "只接受" in response.get_data(as_text=True) or "照片" in response.get_data(as_text=True)
    assert not _records(kind=CareKind.CARE_FUND)
    assert _stored(upload_dir) == before


def test_care_fund_page_is_for_workers_only(app, team):
    """Someone without a worker record has nothing to apply for: 403."""
    client = logged_in(app, team.admin)
    assert client.get("/me/care-fund").status_code == 403


# -- the street decides ---------------------------------------------------------------------


@pytest.fixture
def application(app, team):
    """A waiting application of the street's first worker."""
    client = logged_in(app, team.workers[0].user)
    apply(client, amount="2000")
    [record] = _records(team.workers[0], CareKind.CARE_FUND)
    return record


def _decide(client, application, verb: str, comment: str = ""):
    prefix = "a" if verb == "approve" else "r"
    return client.post(
        f"/street/care-fund/{application.id}/{verb}",
        data={
            f"{prefix}{application.id}-csrf_token": csrf_token(client, "/street/care-fund"),
            f"{prefix}{application.id}-comment": comment,
        },
    )


def test_admin_approves_and_the_worker_sees_it(app, team, application):
    """Approving records who and when, tells the worker, and shows on their page and care card."""
    admin = logged_in(app, team.admin)
    assert "工作中摔伤住院" in admin.get("/street/care-fund").get_data(as_text=True)
    response = _decide(admin, application, "approve", "按标准补助")
    assert response.status_code == 303
    [record] = _records(team.workers[0], CareKind.CARE_FUND)
    assert record.status is CareStatus.APPROVED
    assert record.decided_by_id == team.admin.id and record.decided_at is not None
    assert record.decision_comment == "按标准补助"
    [notice] = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == team.workers[0].user_id)
    ).all()
    assert "批准" in notice.title and notice.body == "按标准补助"
    assert _audit("care_fund_approved")[0].detail["comment"] == "按标准补助"
    own = logged_in(app, team.workers[0].user)
    assert "已批准" in own.get("/me/care-fund").get_data(as_text=True)
    card = own.get(f"/workers/{team.workers[0].user_id}/care").get_data(as_text=True)
    assert "关爱基金" in card and "已批准" in card


def test_rejecting_needs_a_comment(app, team, application):
    """A rejection without a reason is refused; with one it stands and the worker reads it."""
    admin = logged_in(app, team.admin)
    refused = _decide(admin, application, "reject", "")
    assert refused.status_code == 422
    assert "请说明不予批准的原因" in refused.get_data(as_text=True)
    assert _records(team.workers[0], CareKind.CARE_FUND)[0].status is CareStatus.APPLIED
    assert _decide(admin, application, "reject", "不符合申请条件").status_code == 303
    record = _records(team.workers[0], CareKind.CARE_FUND)[0]
    assert record.status is CareStatus.REJECTED and record.decision_comment == "不符合申请条件"
    own = logged_in(app, team.workers[0].user)
    assert "不符合申请条件" in own.get("/me/care-fund").get_data(as_text=True)


def test_a_decided_application_cannot_be_decided_again(app, team, application):
    """The second decision is refused (409) and the first one stands."""
    admin = logged_in(app, team.admin)
    assert _decide(admin, application, "approve").status_code == 303
    again = _decide(admin, application, "reject", "改主意了")
    assert again.status_code == 409
    assert "已审核" in again.get_data(as_text=True)
    record = _records(team.workers[0], CareKind.CARE_FUND)[0]
    assert record.status is CareStatus.APPROVED and record.decision_comment is None
    assert len(_audit("care_fund_approved")) == 1 and not _audit("care_fund_rejected")


def test_decision_operation_is_a_conditional_update(app, team, application):
    """Deciding an application that another admin decided meanwhile is refused (409)."""
    from portal.care import operations
    from portal.refusals import Refused
    from portal.timeutil import utcnow

    db.session.execute(
        sa.update(CareRecord)
        .where(CareRecord.id == application.id)
        .values(status=CareStatus.REJECTED, decision_comment="先到")
    )
    with pytest.raises(Refused) as refused:
        operations.decide_care_fund(
            application, approve=True, comment=None, actor=team.admin, now=utcnow()
        )
    assert refused.value.status == 409 and refused.value.message is operations.ALREADY_DECIDED
    assert application.status is CareStatus.REJECTED  # the first decision stands


@pytest.mark.parametrize("who", ["sister_admin", "other_admin"])
def test_admin_of_another_street_cannot_decide(app, team, application, who):
    """An admin of another street gets 404, and the application still waits."""
    client = logged_in(app, getattr(team, who))
    assert "工作中摔伤住院" not in client.get("/street/care-fund").get_data(as_text=True)
    assert _decide(client, application, "approve").status_code == 404
    assert _records(team.workers[0], CareKind.CARE_FUND)[0].status is CareStatus.APPLIED


def test_district_admin_reads_but_cannot_decide(app, team, application):
    """The district admin sees the waiting application read-only and gets 403 deciding."""
    client = logged_in(app, team.district_admin)
    page = client.get("/street/care-fund").get_data(as_text=True)
    assert "工作中摔伤住院" in page and "/approve" not in page
    assert _decide(client, application, "approve").status_code == 403
    assert _records(team.workers[0], CareKind.CARE_FUND)[0].status is CareStatus.APPLIED


# -- the street records benefits ------------------------------------------------------------


def _record(client, **fields):
    return post_form(client, "/street/care", fields)


def test_festival_visit_for_several_workers_at_once(app, team):
    """One form records a festival visit for every chosen worker, each audited."""
    admin = logged_in(app, team.admin)
    day = local_today().isoformat()
    ids = [str(w.user_id) for w in team.workers[:2]]
    response = admin.post(
        "/street/care",
        data={
            "csrf_token": csrf_token(admin, "/street/care"),
            "kind": "festival_visit",
            "workers": ids,
            "occurred_on": day,
            "quantity": "500",
            "note": "春节慰问",
        },
    )
    assert response.status_code == 303
    visits = _records(kind=CareKind.FESTIVAL_VISIT)
    assert sorted(r.worker_id for r in visits) == sorted(int(i) for i in ids)
    assert all(r.quantity == Decimal("500.0") and r.status is CareStatus.DONE for r in visits)
    assert len(_audit("care_record_created")) == 2
    assert "春节慰问" in admin.get("/street/care").get_data(as_text=True)


def test_same_record_twice_is_refused_naming_the_workers(app, team):
    """Recording the same benefit on the same day again saves nothing and names who has it."""
    admin = logged_in(app, team.admin)
    day = local_today().isoformat()
    first = team.workers[0]
    _record(admin, kind="health_check", workers=str(first.user_id), occurred_on=day)
    response = admin.post(
        "/street/care",
        data={
            "csrf_token": csrf_token(admin, "/street/care"),
            "kind": "health_check",
            "workers": [str(first.user_id), str(team.workers[1].user_id)],
            "occurred_on": day,
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert first.user.name in html and "本次未保存任何记录" in html
    assert len(_records(kind=CareKind.HEALTH_CHECK)) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "annual_leave", "quantity": ""}, "请填写天数"),
        ({"kind": "subsidy", "quantity": ""}, "请填写金额"),
        ({"kind": "health_check", "quantity": "100"}, "健康体检无需填写"),
        ({"kind": "annual_leave", "quantity": "400"}, "不超过 366"),
        ({"kind": "annual_leave", "quantity": "1.25"}, "最多一位小数"),
        ({"kind": "care_fund", "quantity": "100"}, "请从列表中选择登记项目"),
        ({"kind": "annual_leave", "quantity": "2", "workers": ""}, "请至少选择一名社工"),
        (
            {"kind": "annual_leave", "quantity": "2", "occurred_on": "2999-01-01"},
            "日期不能晚于今天",
        ),
        (
            {"kind": "annual_leave", "quantity": "2", "occurred_on": "1999-12-31"},
            "不能早于 2000 年",
        ),
        ({"kind": "annual_leave", "quantity": "2", "occurred_on": "昨天"}, "YYYY-MM-DD"),
    ],
)
def test_bad_benefit_is_refused_and_nothing_saved(app, team, fields, message):
    """Each bad field is refused with a Chinese message; nothing is recorded."""
    admin = logged_in(app, team.admin)
    data = {
        "workers": str(team.workers[0].user_id),
        "occurred_on": local_today().isoformat(),
        **fields,
    }
    response = _record(admin, **data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert not _records()


def test_worker_of_another_street_cannot_be_chosen(app, team):
    """A worker id from another street is refused; nothing is recorded for anyone."""
    admin = logged_in(app, team.admin)
    response = admin.post(
        "/street/care",
        data={
            "csrf_token": csrf_token(admin, "/street/care"),
            "kind": "festival_visit",
            "workers": [str(team.workers[0].user_id), str(team.sister_worker.user_id)],
            "occurred_on": local_today().isoformat(),
        },
    )
    assert response.status_code == 422
    assert "请从列表中选择本街道的社工" in response.get_data(as_text=True)
    assert not _records()


def test_leave_taken_shows_on_the_workers_care_card(app, team):
    """Leave recorded by the street counts against the worker's days on their care card."""
    admin = logged_in(app, team.admin)
    worker = team.workers[0]
    _record(
        admin,
        kind="annual_leave",
        workers=str(worker.user_id),
        occurred_on=local_today().isoformat(),
        quantity="2",
    )
    card = logged_in(app, worker.user).get(f"/workers/{worker.user_id}/care").get_data(as_text=True)
    # Started 2018-03-01: 5 statutory days (1–10 years worked), 2 taken.
    assert "剩余 3" in card or "3 天" in card


# -- leave entitlements ----------------------------------------------------------------------


def _leave(client, values: dict, year: int | None = None):
    year = year or local_today().year
    data = {"csrf_token": csrf_token(client, f"/street/care/leave?year={year}")}
    data.update({f"days-{worker_id}": value for worker_id, value in values.items()})
    return client.post(f"/street/care/leave?year={year}", data=data)


def _entitlement(worker, year=None) -> CareEntitlement | None:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(CareEntitlement).where(
            CareEntitlement.worker_id == worker.user_id,
            CareEntitlement.year == (year or local_today().year),
            CareEntitlement.kind == CareKind.ANNUAL_LEAVE,
        )
    )


def test_leave_days_default_from_the_rules_and_can_be_set(app, team):
    """The table offers the statutory default; a number is stored and audited; blank resets it."""
    admin = logged_in(app, team.admin)
    worker = team.workers[0]
    page = admin.get("/street/care/leave").get_data(as_text=True)
    assert f'name="days-{worker.user_id}"' in page and 'placeholder="5"' in page
    assert _leave(admin, {worker.user_id: "12"}).status_code == 303
    assert _entitlement(worker).quantity == Decimal("12.0")
    [entry] = _audit("care_entitlement_set")
    assert (entry.detail["before"], entry.detail["after"]) == (None, "12.0")
    assert _leave(admin, {worker.user_id: ""}).status_code == 303
    assert _entitlement(worker) is None


def test_bad_leave_days_save_nothing(app, team):
    """One bad value in the table: 422, the row marked, and no worker's days change."""
    admin = logged_in(app, team.admin)
    first, second = team.workers[:2]
    response = _leave(admin, {first.user_id: "8", second.user_id: "400"})
    assert response.status_code == 422
    assert "请填写 0 到 365 天" in response.get_data(as_text=True)
    assert _entitlement(first) is None and _entitlement(second) is None


def test_leave_year_outside_last_this_next_is_not_found(app, team):
    """Leave days are kept for last year, this year and next year only."""
    admin = logged_in(app, team.admin)
    assert admin.get(f"/street/care/leave?year={local_today().year - 3}").status_code == 404


def test_care_pages_for_a_talk_leader_are_forbidden(app, team):
    """A role without admin rights gets 403 on the street's care pages."""
    leader = new_user(Role.TALK_LEADER, street=team.street)
    client = logged_in(app, leader)
    for path in ("/street/care", "/street/care/leave", "/street/care-fund"):
        assert client.get(path).status_code == 403


def test_records_list_shows_only_the_street(app, team):
    """The benefits list of a street admin has no record of another street."""
    db.session.add(
        CareRecord(
            worker_id=team.sister_worker.user_id,
            kind=CareKind.HEALTH_CHECK,
            year=local_today().year,
            occurred_on=local_today() - timedelta(days=1),
            note="姊妹街道体检",
        )
    )
    db.session.flush()
    admin = logged_in(app, team.admin)
    assert "姊妹街道体检" not in admin.get("/street/care").get_data(as_text=True)
    district = logged_in(app, team.district_admin)
    assert "姊妹街道体检" in district.get("/street/care").get_data(as_text=True)


def test_oversized_attachment_is_refused_with_the_form(app, team, upload_dir, monkeypatch):
    """A file over the size limit is cut off: 413, the form again with a Chinese message."""
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024)
    client = logged_in(app, team.workers[0].user)
    response = apply(client, attachment=(files.png(size=(400, 400)) + b"0" * 400_000, "big.png"))
    assert response.status_code == 413
    assert "文件超过" in response.get_data(as_text=True)
    assert not _records(kind=CareKind.CARE_FUND)


def test_a_rolled_back_decision_leaves_no_notice(app, team, application):
    """The decision notice is written in the decision's transaction: a rollback drops both."""
    worker_id = team.workers[0].user_id
    notices = sa.select(Notification).where(Notification.user_id == worker_id)
    operations.decide_care_fund(
        application, approve=True, comment="按标准补助", actor=team.admin, now=utcnow()
    )
    db.session.flush()
    assert len(db.session.scalars(notices).all()) == 1  # the receiver wrote it
    db.session.rollback()
    assert db.session.scalars(notices).all() == []
    assert _audit("care_fund_approved") == []


@pytest.mark.parametrize(
    "today", [date(2025, 2, 28), date(2024, 2, 28), date(2024, 2, 29), date(2025, 3, 1)]
)
def test_leave_table_counts_years_worked_as_the_rule_does(today):
    """The leave table's shortcut gives the rule's full years, Feb 29 starts included."""
    years = _years_worked(today)
    starts = [
        date(2000, 2, 29),
        date(2004, 2, 29),
        date(2010, 2, 28),
        date(2010, 3, 1),
        date(2019, 12, 31),
        today,
        date(today.year, 1, 1),
    ]
    for started in starts * 2:  # the second time from what it remembered
        assert years(started) == rules.years_of_service(started, today), started
    assert years(date(today.year + 1, 1, 1)) == 0  # not started yet
