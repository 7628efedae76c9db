"""The attendance sheet (.xlsx): Chinese headers, Shanghai times, a row per worker on the roster."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import quote

import openpyxl
import pytest

from portal import xlsx
from portal.enums import AttendanceMethod
from portal.timeutil import to_local
from portal.training import operations as training_operations
from portal.training import roster_operations
from tests.helpers import logged_in

HEADERS = [
    "姓名",
    "手机号",
    "社区",
    "岗位",
    "签到时间",
    "方式",
    "迟到",
    "早退",
    "签退时间",
    "学时",
    "备注/原因",
]


def _sheet(response):
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return book.active


def test_attendance_sheet(app, db, crew, make_live_training):
    """Every expected worker and every attendee has a row with local times and how they came."""
    training = make_live_training(title="社区治理专题培训", credits_by_time=True)
    scanned = crew.workers[0]
    first = training_operations.check_in(
        training, scanned, method=AttendanceMethod.SELF_SCAN, actor=scanned.user
    ).attendance
    manual = roster_operations.mark_present(
        training,
        crew.workers[1],
        reason="忘带手机",
        arrived_at=training.starts_at,
        actor=crew.organiser,
    )
    roster_operations.mark_left_early(
        manual, left_at=training.starts_at + timedelta(minutes=60), actor=crew.organiser
    )
    training_operations.check_in(
        training,
        crew.workers[3],
        method=AttendanceMethod.MANUAL,
        actor=crew.organiser,
        reason="加入申请已批准",
        enforce_list=False,
    )
    db.session.flush()

    response = logged_in(app, crew.admin).get(f"/trainings/{training.id}/attendance.xlsx")

    assert response.status_code == 200
    assert response.mimetype == xlsx.MIMETYPE
    sheet = _sheet(response)
    assert sheet.title == "社区治理专题培训"
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"周培训", "李一", "李二", "李三", "王四"}

    li_yi = by_name["李一"]
    assert li_yi[1] == scanned.user.phone
    assert li_yi[2] == crew.east.name
    assert li_yi[3] == "正职"
    local_in = to_local(first.checked_in_at).replace(tzinfo=None, microsecond=0)
    assert abs(li_yi[4] - local_in) < timedelta(seconds=1)  # Shanghai wall time
    assert li_yi[5] == "本人扫码"
    assert li_yi[6] == "是"  # an hour after the start

    li_er = by_name["李二"]
    assert li_er[4] == to_local(training.starts_at).replace(tzinfo=None)
    assert li_er[5] == "手工登记"
    assert li_er[6] == "" or li_er[6] is None
    assert li_er[7] == "是"
    assert li_er[8] == to_local(training.starts_at + timedelta(hours=1)).replace(tzinfo=None)
    assert li_er[9] == 1.0
    assert li_er[10] == "忘带手机"

    assert by_name["李三"][5] == "未签到" and by_name["李三"][4] is None
    assert by_name["王四"][10] == "名单外；加入申请已批准"


def test_download_name_is_utf8(app, crew, make_live_training):
    """The file is offered as an attachment named after the training, encoded per RFC 5987."""
    training = make_live_training(title="社区治理/专题培训")
    response = logged_in(app, crew.organiser).get(f"/trainings/{training.id}/attendance.xlsx")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + quote("社区治理专题培训-签到表.xlsx") in disposition
    assert "private" in response.headers["Cache-Control"]


def test_text_never_becomes_a_formula(app, db, crew, make_live_training):
    """A reason typed like a spreadsheet formula stays plain text in the sheet."""
    training = make_live_training()
    roster_operations.mark_present(
        training, crew.workers[0], reason='=HYPERLINK("http://x","点我")', actor=crew.organiser
    )
    db.session.flush()
    response = logged_in(app, crew.organiser).get(f"/trainings/{training.id}/attendance.xlsx")
    sheet = _sheet(response)
    cells = [row[10] for row in sheet.iter_rows(min_row=2)]
    reason = next(cell for cell in cells if cell.value and "HYPERLINK" in cell.value)
    assert reason.data_type == "s"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("街道培训", "街道培训"),
        ("[2025] 培训: 第1期/共3期?*", "2025 培训 第1期共3期"),
        ("'引号'", "引号"),
        ("很" * 40, "很" * 31),
        ("/?*", "Sheet1"),
    ],
)
def test_sheet_title(title, expected):
    """Sheet titles drop the characters Excel refuses and keep at most 31 characters."""
    assert xlsx.sheet_title(title) == expected
