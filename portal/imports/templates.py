"""The import templates: their exact Chinese headers, cell parsers and the .xlsx itself.

The headers are a data contract with the clerk's spreadsheet, so they are fixed Chinese,
the same whatever the interface language; a file whose header row differs is refused
with a message naming the expected headers.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from portal import xlsx
from portal.imports import validators as v

TEMPLATE_ROWS_WITH_LISTS = 5000  # rows of the template that offer drop-down lists


class Kind(enum.StrEnum):
    """What an import file holds."""

    ROSTER = "roster"
    APPRAISALS = "appraisals"
    CERTIFICATES = "certificates"
    CARE = "care"
    ABSENCE = "absence"


KIND_LABELS = {
    Kind.ROSTER: _l("Roster"),
    Kind.APPRAISALS: _l("Appraisal results"),
    Kind.CERTIFICATES: _l("Certificates"),
    Kind.CARE: _l("Care records"),
    Kind.ABSENCE: _l("Unexcused absence"),
}

# Sheet and file names of the templates (Chinese, like the headers).
SHEET_TITLES = {
    Kind.ROSTER: "花名册",
    Kind.APPRAISALS: "年度考核",
    Kind.CERTIFICATES: "证书",
    Kind.CARE: "关爱记录",
    Kind.ABSENCE: "旷工记录",
}


@dataclass(frozen=True)
class Column:
    """One column of a template: its header, how a cell is read, and the clerk's note."""

    key: str
    header: str
    parse: v.Parser
    required: bool = False
    note: str = ""
    choices: Mapping[str, object] | None = None
    width: int = 14


def _choice(key: str, header: str, vocabulary, *, required: bool = True, note: str = "") -> Column:
    return Column(
        key, header, v.choice(vocabulary), required=required, note=note, choices=vocabulary
    )


# Who a record belongs to: the name, and the phone number or the staff number.
_WHO = (
    Column("name", "姓名", v.text(64), required=True, note="须与系统中的姓名一致", width=10),
    Column("phone", "手机号", v.phone, note="手机号或工号至少填一项", width=14),
    Column("staff_no", "工号", v.staff_no, note="手机号或工号至少填一项", width=12),
)

COLUMNS: dict[Kind, tuple[Column, ...]] = {
    Kind.ROSTER: (
        Column("name", "姓名", v.text(64), required=True, width=10),
        Column(
            "phone", "手机号", v.phone, required=True, note="11位手机号；用于匹配已有社工", width=14
        ),
        Column("staff_no", "工号", v.staff_no, note="可选；也用于匹配已有社工", width=12),
        Column("community", "社区", v.text(64), required=True, note="本街道的社区名称", width=14),
        _choice("post_type", "岗位类型", v.POST_TYPES),
        Column(
            "grade",
            "岗位等级",
            v.whole(None, None),  # any whole number: the row's check names its post type's range
            required=True,
            note="须在岗位类型的等级范围内（如一般工作人员1–12级）",
            width=10,
        ),
        Column(
            "community_work_started_on",
            "开始从事社区工作日期",
            v.day,
            required=True,
            note="日期或 YYYY-MM-DD",
            width=20,
        ),
        Column(
            "joined_on",
            "入职本街道日期",
            v.day,
            note="可选；新建时默认为开始从事社区工作日期",
            width=16,
        ),
        _choice("education", "学历", v.EDUCATIONS),
        _choice("party_member", "是否党员", v.YES_NO, required=False, note="是/否；新建时默认为否"),
        _choice("hiring_route", "产生方式", v.HIRING_ROUTES),
        Column(
            "exam_eligible_on", "具备报考条件日期", v.day, note="可选；社工职业资格考试", width=18
        ),
        Column(
            "grade_reason",
            "等级变动原因",
            v.text(200),
            note="已有社工的岗位类型或等级变动时必填",
            width=20,
        ),
    ),
    Kind.APPRAISALS: (
        *_WHO,
        Column("year", "年度", v.whole(2000, 2100), required=True, width=8),
        _choice("result", "考核结果", v.APPRAISAL_RESULTS),
        Column("score", "分数", v.amount(Decimal(100)), note="可选；0–100", width=8),
        Column("comment", "评语", v.text(500), note="可选", width=30),
    ),
    Kind.CERTIFICATES: (
        *_WHO,
        _choice("kind", "证书类型", v.CERTIFICATE_KINDS),
        Column("number", "证书编号", v.text(64), required=True, width=20),
        Column("issued_on", "发证日期", v.day, required=True, width=12),
        Column("expires_on", "有效期至", v.day, note="可选", width=12),
        Column("registered_on", "登记日期", v.day, note="可选", width=12),
        Column("issuer", "发证机关", v.text(100), note="可选", width=20),
    ),
    Kind.CARE: (
        *_WHO,
        _choice("kind", "类别", v.CARE_KINDS),
        Column("occurred_on", "日期", v.day, required=True, width=12),
        Column(
            "quantity",
            "数量",
            v.amount(Decimal("9999999.9")),
            note="年假、疗休养填天数；关爱基金、工作补助、职业津贴填金额（元）",
            width=10,
        ),
        Column("note", "备注", v.text(300), note="可选", width=30),
    ),
    Kind.ABSENCE: (
        *_WHO,
        Column(
            "day",
            "旷工日期",
            v.day,
            required=True,
            note="每行一个工作日（周一至周五）；日期或 YYYY-MM-DD",
            width=14,
        ),
        Column("note", "备注", v.text(200), note="可选", width=30),
    ),
}


def headers(kind: Kind) -> list[str]:
    """Return the exact header row of a template."""
    return [column.header for column in COLUMNS[kind]]


def download_name(kind: Kind) -> str:
    """Return the file name of a template."""
    return f"{SHEET_TITLES[kind]}导入模板.xlsx"


_REQUIRED = Font(bold=True, color="B3261E")


def template_workbook(kind: Kind) -> bytes:
    """Return the template: the header row, drop-down lists, and a sheet of instructions."""
    return table_workbook(SHEET_TITLES[kind], COLUMNS[kind], _GENERAL_NOTES[kind])


def table_workbook(title: str, columns: Sequence[Column], general_notes: Sequence[str]) -> bytes:
    """Return a template for ``columns``: header row, drop-down lists, instructions sheet."""
    book = xlsx.workbook()
    sheet = xlsx.add_sheet(
        book,
        title,
        [column.header for column in columns],
        widths=[column.width for column in columns],
        fonts=[_REQUIRED if column.required else xlsx.BOLD for column in columns],
    )
    for index, column in enumerate(columns, start=1):
        if column.choices:
            letter = get_column_letter(index)
            words = ",".join(dict.fromkeys(v.canonical_words(column.choices)))
            validation = DataValidation(type="list", formula1=f'"{words}"', allow_blank=True)
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS_WITH_LISTS + 1}")
            # openpyxl gives write-only sheets the list (Worksheet._setup); its stubs omit it.
            sheet.data_validations.append(validation)  # type: ignore[attr-defined]

    notes = xlsx.add_sheet(
        book, "填写说明", ["列名", "是否必填", "说明"], widths=(20, 10, 70), freeze=False
    )
    rows = []
    for column in columns:
        allowed = "、".join(v.canonical_words(column.choices)) if column.choices else ""
        note = "；".join(part for part in (column.note, allowed and f"可选值：{allowed}") if part)
        rows.append([column.header, "是" if column.required else "", note])
    for line in general_notes:
        rows += [[], [line]]
    xlsx.append_rows(notes, rows)
    return xlsx.to_bytes(book)


_COMMON = (
    "第一行是表头，请勿修改；从第二行起每行一条记录。空白的可选格不改动系统中已有的值。",
    "整个文件全部通过检查才会导入：有一行出错，就一行也不导入。同一文件重复导入不会重复记录。",
)
_GENERAL_NOTES = {
    Kind.ROSTER: (
        *_COMMON,
        "按手机号或工号匹配已有社工：匹配到则更新，否则新建账号。新建的账号暂不能登录，"
        "请在该社工的页面为其生成一次性密码。",
    ),
    Kind.APPRAISALS: (
        *_COMMON,
        "按社工和年度匹配。导入只录入结果，不公布；已公布的结果请在考核页面修改并填写原因。",
    ),
    Kind.CERTIFICATES: (*_COMMON, "按证书类型和证书编号匹配。"),
    Kind.CARE: (*_COMMON, "按社工、类别和日期匹配。"),
    Kind.ABSENCE: (
        *_COMMON,
        "按社工和旷工日期匹配。只记未经请假的旷工日；工作日按周一至周五计算（系统未维护节假日）。"
        "录错的日期请在旷工记录页面删除。",
    ),
}
