"""Cell parsers: turn what a clerk typed in Excel into typed values, or a clear message.

Each parser takes the raw cell value (str, int, float, datetime, bool or None, as
openpyxl reads it) and returns the value, None for a blank cell, or raises CellError
with a message naming the column and the value.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from portal.enums import (
    AppraisalResult,
    CareKind,
    CertificateKind,
    Education,
    HiringRoute,
    PostType,
)
from portal.refusals import Refused

PHONE_RE = re.compile(r"^1\d{10}$")
STAFF_NO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,31}$")
_DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_WHOLE_FLOAT_LIMIT = 10**15

# The words a clerk types, as the Chinese interface shows them (and a few common variants).
# Fixed Chinese: the template is a data contract, the same whatever the interface language.
POST_TYPES: Mapping[str, PostType] = {
    "正职": PostType.HEAD,
    "副职": PostType.DEPUTY,
    "一般工作人员": PostType.STAFF,
}
EDUCATIONS: Mapping[str, Education] = {
    "高中/中专及以下": Education.HIGH_SCHOOL,
    "高中及以下": Education.HIGH_SCHOOL,
    "中专": Education.HIGH_SCHOOL,
    "高中": Education.HIGH_SCHOOL,
    "大专": Education.COLLEGE,
    "本科": Education.BACHELOR,
    "硕士及以上": Education.MASTER,
    "硕士": Education.MASTER,
    "博士": Education.MASTER,
    "研究生": Education.MASTER,
}
HIRING_ROUTES: Mapping[str, HiringRoute] = {
    "选任": HiringRoute.ELECTED,
    "招聘": HiringRoute.RECRUITED,
}
APPRAISAL_RESULTS: Mapping[str, AppraisalResult] = {
    "优秀": AppraisalResult.EXCELLENT,
    "合格": AppraisalResult.QUALIFIED,
    "称职": AppraisalResult.QUALIFIED,
    "基本合格": AppraisalResult.BASIC,
    "基本称职": AppraisalResult.BASIC,
    "不合格": AppraisalResult.UNQUALIFIED,
    "不称职": AppraisalResult.UNQUALIFIED,
}
CERTIFICATE_KINDS: Mapping[str, CertificateKind] = {
    "助理社会工作师": CertificateKind.ASSISTANT_SOCIAL_WORKER,
    "社会工作师": CertificateKind.SOCIAL_WORKER,
    "高级社会工作师": CertificateKind.SENIOR_SOCIAL_WORKER,
    "全科社工": CertificateKind.GENERALIST,
    "心理咨询师": CertificateKind.COUNSELLOR,
    "其他": CertificateKind.OTHER,
    "其他证书": CertificateKind.OTHER,
}
CARE_KINDS: Mapping[str, CareKind] = {
    "带薪年假": CareKind.ANNUAL_LEAVE,
    "年假": CareKind.ANNUAL_LEAVE,
    "健康体检": CareKind.HEALTH_CHECK,
    "体检": CareKind.HEALTH_CHECK,
    "疗休养": CareKind.RECUPERATION,
    "节日慰问": CareKind.FESTIVAL_VISIT,
    "关爱基金": CareKind.CARE_FUND,
    "工作补助": CareKind.SUBSIDY,
    "职业津贴": CareKind.CERTIFICATE_ALLOWANCE,
}
YES_NO: Mapping[str, bool] = {"是": True, "否": False}


def chinese_label(value: enum.Enum | bool | None, vocabulary: Mapping[str, Any]) -> str:
    """Return the first (canonical) Chinese word of a vocabulary for a value."""
    if value is None:
        return ""
    for word, member in vocabulary.items():
        if member == value and type(member) is type(value):
            return word
    return str(value)


class CellError(Refused):
    """A cell's value cannot be used; the message names the column and the value.

    The reader collects these per row and cell (the preview lists them all); none reaches
    a view on its own.
    """


Parser = Callable[[Any, str], Any]


def shown(raw: Any) -> str:
    """Return a cell value as the clerk sees it, for messages."""
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == datetime.min.time() else raw.isoformat()
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < _WHOLE_FLOAT_LIMIT:
        return str(int(raw))
    return str(raw).strip()


def is_blank(raw: Any) -> bool:
    """Return whether a cell is empty (nothing, or only spaces)."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _bad_format(column: str, raw: Any) -> CellError:
    return CellError(
        _("%(column)s %(value)s is not in the right format.", column=column, value=shown(raw))
    )


def text(max_length: int) -> Parser:
    """Return a parser for free text of at most ``max_length`` characters."""

    def parse(raw: Any, column: str) -> str:
        value = shown(raw)
        if len(value) > max_length:
            raise CellError(
                _("%(column)s is longer than %(max)d characters.", column=column, max=max_length)
            )
        return value

    return parse


def _digits(raw: Any) -> str:
    """Return a number typed in a numeric cell as its digits (13800000001.0 → 13800000001)."""
    if isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < _WHOLE_FLOAT_LIMIT:
        return str(int(raw))
    return str(raw).strip()


def phone(raw: Any, column: str) -> str:
    """Parse an 11-digit mainland mobile number."""
    value = _digits(raw).replace(" ", "").replace("-", "")
    if not PHONE_RE.match(value):
        raise CellError(
            _("%(column)s %(value)s is not in the right format.", column=column, value=shown(raw))
        )
    return value


def staff_no(raw: Any, column: str) -> str:
    """Parse a staff number: letters, digits, - and _."""
    value = _digits(raw)
    if not STAFF_NO_RE.match(value):
        raise _bad_format(column, raw)
    return value


def day(raw: Any, column: str) -> date:
    """Parse a date: an Excel date cell, or text as YYYY-MM-DD."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    match = _DATE_RE.match(str(raw).strip()) if isinstance(raw, str) else None
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise CellError(
        _(
            "%(column)s %(value)s is not a date: use an Excel date or YYYY-MM-DD.",
            column=column,
            value=shown(raw),
        )
    )


_WHOLE_RE = re.compile(r"^[+-]?\d{1,15}$")


def whole(low: int | None, high: int | None) -> Parser:
    """Return a parser for a whole number between low and high (None: no bound).

    Without bounds the row's own check gives the range (a grade: its post type's range).
    """

    def parse(raw: Any, column: str) -> int:
        if isinstance(raw, bool):
            raise _bad_format(column, raw)
        if isinstance(raw, int):
            value = raw
        elif isinstance(raw, float) and raw.is_integer():
            value = int(raw)
        elif isinstance(raw, str) and _WHOLE_RE.match(raw.strip()):
            value = int(raw.strip())
        else:
            raise CellError(
                _(
                    "%(column)s %(value)s is not a whole number.",
                    column=column,
                    value=shown(raw),
                )
            )
        if (low is not None and value < low) or (high is not None and value > high):
            raise CellError(
                _(
                    "%(column)s %(value)d must be between %(low)d and %(high)d.",
                    column=column,
                    value=value,
                    low=low,
                    high=high,
                )
            )
        return value

    return parse


def amount(high: Decimal, places: int = 1) -> Parser:
    """Return a parser for a non-negative number up to ``high`` with at most ``places`` decimals."""
    step = Decimal(1).scaleb(-places)

    def parse(raw: Any, column: str) -> Decimal:
        if isinstance(raw, bool):
            raise _bad_format(column, raw)
        try:
            value = Decimal(str(raw).strip()) if not isinstance(raw, Decimal) else raw
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise CellError(
                _("%(column)s %(value)s is not a number.", column=column, value=shown(raw))
            )
        if value < 0 or value > high:
            raise CellError(
                _(
                    "%(column)s %(value)s must be between 0 and %(high)s.",
                    column=column,
                    value=shown(raw),
                    high=f"{high:,f}",
                )
            )
        if value != value.quantize(step):
            raise CellError(
                _(
                    "%(column)s %(value)s has more than %(places)d decimal places.",
                    column=column,
                    value=shown(raw),
                    places=places,
                )
            )
        return value.quantize(step)

    return parse


def canonical_words(vocabulary: Mapping[str, Any] | None) -> list[str]:
    """Return the first word of each value of a vocabulary, in order."""
    seen: dict[Any, str] = {}
    for word, member in (vocabulary or {}).items():
        seen.setdefault(member, word)
    return list(seen.values())


def choice(vocabulary: Mapping[str, Any]) -> Parser:
    """Return a parser for one of the Chinese words of a vocabulary."""
    canonical = canonical_words(vocabulary)

    def parse(raw: Any, column: str) -> Any:
        value = shown(raw).replace(" ", "")
        if value in vocabulary:
            return vocabulary[value]
        raise CellError(
            _(
                "%(column)s %(value)s is not one of: %(allowed)s.",
                column=column,
                value=shown(raw),
                allowed="、".join(canonical),
            )
        )

    return parse
