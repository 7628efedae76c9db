"""A worker submits outside training with a photo or PDF proof; bad input changes nothing."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.enums import RequestStatus, Role, TrainingKind
from portal.models import AuditEntry, OutsideTraining, Upload
from portal.timeutil import local_today
from tests.helpers import csrf_token, login
from tests.outside import files

URL = "/me/outside-training"


def _form(client, **overrides):
    data = {
        "csrf_token": csrf_token(client, URL),
        "title": "社区治理线上专题课",
        "kind": "online",
        "organiser": "江苏省民政厅",
        "hours": "6.5",
        "completed_on": (local_today() - timedelta(days=3)).isoformat(),
        "proof": (io.BytesIO(files.jpeg()), "结业证书.jpg"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _post(client, **overrides):
    return client.post(URL, data=_form(client, **overrides), content_type="multipart/form-data")


def _counts(db):
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(OutsideTraining)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Upload)),
    )


def test_worker_submits_with_photo(client, db, street_team, stored_files):
    """A valid submission is stored pending, with its proof file and an audit entry."""
    worker = street_team.worker
    login(client, worker.user.phone)
    before = stored_files()
    response = _post(client)
    assert response.status_code == 303
    page = client.get(URL).get_data(as_text=True)
    assert "已提交" in page and "社区治理线上专题课" in page and "待审核" in page

    submission = db.session.scalar(
        sa.select(OutsideTraining).where(OutsideTraining.worker_id == worker.user_id)
    )
    assert submission.status == RequestStatus.PENDING
    assert submission.kind == TrainingKind.ONLINE
    assert str(submission.hours) == "6.5"
    upload = submission.proof
    assert upload.owner_id == worker.user_id
    assert upload.content_type == "image/jpeg"
    assert upload.original_name == "结业证书.jpg"
    assert len(upload.sha256) == 64 and upload.size > 0
    assert stored_files() - before == {upload.storage_key}
    assert "结业证书" not in upload.storage_key
    audit = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.subject_type == "OutsideTraining", AuditEntry.subject_id == submission.id
        )
    )
    assert audit.action == "outside_training_submitted" and audit.actor_id == worker.user_id


def test_worker_submits_with_pdf(client, db, street_team):
    """A PDF certificate is accepted as application/pdf."""
    login(client, street_team.worker.user.phone)
    response = _post(client, proof=(io.BytesIO(files.pdf()), "certificate.pdf"))
    assert response.status_code == 303
    upload = db.session.scalar(
        sa.select(Upload).where(Upload.owner_id == street_team.worker.user_id)
    )
    assert upload.content_type == "application/pdf"


def test_form_is_phone_friendly(client, street_team):
    """The form takes a photo or PDF from a phone, defaults to online and bounds the date."""
    login(client, street_team.worker.user.phone)
    page = client.get(URL).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page and "image/*" in page and "application/pdf" in page
    assert '<option selected value="online">' in page
    assert f'max="{local_today().isoformat()}"' in page
    assert f'min="{date(local_today().year - 1, 1, 1).isoformat()}"' in page
    assert "不超过 5 MB" in page


INVALID = [
    ("title missing", {"title": ""}, "请填写培训名称"),
    ("title too long", {"title": "课" * 201}, "200"),
    ("kind not on the list", {"kind": "holiday"}, "请从列表中选择培训类别"),
    ("organiser missing", {"organiser": "  "}, "请填写主办单位"),
    ("hours missing", {"hours": ""}, "请填写学时"),
    ("hours not a number", {"hours": "六"}, "请用数字填写学时"),
    ("hours too few", {"hours": "0.4"}, "0.5"),
    ("hours zero", {"hours": "0"}, "0.5"),
    ("hours too many", {"hours": "200.5"}, "200"),
    ("hours two decimals", {"hours": "1.25"}, "一位小数"),
    ("date missing", {"completed_on": ""}, "请填写完成日期"),
    ("date not a date", {"completed_on": "昨天"}, "年-月-日"),
    (
        "date in the future",
        lambda today: {"completed_on": (today + timedelta(days=1)).isoformat()},
        "不能晚于今天",
    ),
    (
        "date before last year",
        lambda today: {"completed_on": date(today.year - 2, 12, 31).isoformat()},
        lambda today: f"{today.year - 1}-01-01",
    ),
    ("proof missing", {"proof": None}, "请上传"),
    ("proof an exe named .jpg", {"proof": (io.BytesIO(files.EXE), "photo.jpg")}, "只接受"),
    ("proof html named .pdf", {"proof": (io.BytesIO(files.HTML), "cert.pdf")}, "只接受"),
    ("proof a broken jpeg", {"proof": (io.BytesIO(files.jpeg()[:40]), "a.jpg")}, "无法读取"),
]


@pytest.mark.parametrize(
    ("overrides", "message"), [i[1:] for i in INVALID], ids=[i[0] for i in INVALID]
)
def test_bad_input_is_refused_and_nothing_saved(
    client, db, street_team, stored_files, overrides, message
):
    """Each invalid field gets a Chinese message and a 422; no row and no file are stored.

    Dates are worked out when the test runs (a callable of today), not when the file loads:
    a run that crosses midnight in Shanghai keeps "tomorrow" in the future.
    """
    today = local_today()
    overrides = overrides(today) if callable(overrides) else overrides
    message = message(today) if callable(message) else message
    login(client, street_team.worker.user.phone)
    before_rows, before_files = _counts(db), stored_files()
    response = _post(client, **overrides)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _counts(db) == before_rows
    assert stored_files() == before_files


def test_bad_file_is_reported_along_with_other_errors(client, db, street_team):
    """When a field is wrong, a bad file is reported at once too, so the worker fixes both."""
    login(client, street_team.worker.user.phone)
    response = _post(client, title="", proof=(io.BytesIO(files.HTML), "x.pdf"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请填写培训名称" in page and "只接受" in page


def test_one_decimal_and_full_width_hours_are_accepted(client, db, street_team):
    """Hours such as 1.5 (or ８ typed in full width) are accepted as they are."""
    login(client, street_team.worker.user.phone)
    assert _post(client, hours="８").status_code == 303
    assert _post(client, hours="0.5").status_code == 303
    hours = db.session.scalars(
        sa.select(OutsideTraining.hours).where(
            OutsideTraining.worker_id == street_team.worker.user_id
        )
    ).all()
    assert sorted(str(h) for h in hours) == ["0.5", "8.0"]


def test_file_over_the_limit_is_refused(client, db, street_team, stored_files, monkeypatch, app):
    """A file over UPLOAD_MAX_BYTES is refused with the limit in the message; nothing is stored."""
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 2000)
    login(client, street_team.worker.user.phone)
    before_rows, before_files = _counts(db), stored_files()
    big = files.png(size=(200, 200), compress_level=0)
    assert len(big) > 2000
    response = _post(client, proof=(io.BytesIO(big), "big.png"))
    assert response.status_code == 422
    assert "文件超过" in response.get_data(as_text=True)
    assert _counts(db) == before_rows and stored_files() == before_files


def test_request_far_over_the_limit_is_cut_off(
    client, db, street_team, stored_files, monkeypatch, app
):
    """A body far beyond the limit is stopped before it is read, with a clear 413 page."""
    # 128 KB keeps the test body small enough for the test client to hold in memory.
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 128 * 1024)
    login(client, street_team.worker.user.phone)
    before_rows, before_files = _counts(db), stored_files()
    huge = b"\xff\xd8\xff" + b"\x00" * (420 * 1024)
    response = _post(client, proof=(io.BytesIO(huge), "huge.jpg"))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "文件超过 0.125 MB" in page
    assert 'type="file"' in page  # the form is back, ready for a smaller file
    assert _counts(db) == before_rows and stored_files() == before_files


def test_worker_sees_only_own_submissions(client, street_team, submit_direct):
    """The list shows the worker's own submissions, not a colleague's."""
    submit_direct(street_team.worker, data=files.png())
    other = submit_direct(street_team.colleague, data=files.png())
    other.title = "同事的课程"
    login(client, street_team.worker.user.phone)
    page = client.get(URL).get_data(as_text=True)
    assert "线上课程：社区治理" in page and "同事的课程" not in page


@pytest.mark.parametrize("role", [Role.STREET_ADMIN, Role.TRAINER, Role.MENTOR])
def test_users_without_a_worker_profile_are_refused(client, make_street, make_user, role):
    """Only workers submit outside training: other roles get 403 on the page and the post."""
    user = make_user(role, street=make_street())
    login(client, user.phone)
    assert client.get(URL).status_code == 403
    token = csrf_token(client, "/")
    assert client.post(URL, data={"csrf_token": token}).status_code == 403


def test_post_without_csrf_is_refused(client, db, street_team):
    """A submission without the CSRF token is refused and stores nothing."""
    login(client, street_team.worker.user.phone)
    before = _counts(db)
    data = _form(client)
    del data["csrf_token"]
    response = client.post(URL, data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert _counts(db) == before
