"""The documents policy rules come from, and how a rule's citation reads to a user.

A profile cites a rule as ``"<seed> <article>"`` — ``"003 §6"``, ``"003 §11(2)"``,
``"001 二(四)"`` — or as ``"product"`` for a product setting that no document sets.
Users never see the seed number: ``cite()`` turns a citation into the document's
short name and the article, e.g. ``"苏社〔2024〕52号 第6条"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext

PRODUCT = "product"  # a product setting, not policy


@dataclass(frozen=True, slots=True)
class Document:
    """One source document: its seed number and how it is named."""

    seed: str
    short: str  # what a user sees beside a rule
    title: str
    issuer: str
    issued_on: str  # ISO date, or "" when the document gives none


DOCUMENTS: dict[str, Document] = {
    "000": Document(
        "000",
        "浦民发〔2023〕39号",
        "对浦东新区政协七届二次会议第58号提案的答复",
        "上海市浦东新区民政局",
        "2023",
    ),
    "001": Document(
        "001",
        "宝山区人大代表建议答复",
        "加强基层社区工作者队伍建设，抓好“选人、留人、培育人”三要素（答复）",
        "上海市宝山区",
        "",
    ),
    "002": Document(
        "002",
        "《上海社会治理创新中社区工作者政策跟踪》",
        "上海社会治理创新中社区工作者政策跟踪",
        "童潇（华东政法大学）",
        "",
    ),
    "003": Document(
        "003",
        "苏社〔2024〕52号",
        "关于加强社区工作者队伍建设的16条措施",
        "中共江苏省委社会工作部等七部门",
        "2024",
    ),
    "004": Document(
        "004",
        "中办、国办《关于加强社区工作者队伍建设的意见》",
        "关于加强社区工作者队伍建设的意见",
        "中共中央办公厅 国务院办公厅",
        "2024-03-28",
    ),
}

_REF = re.compile(r"^(?P<seed>\d{3})\s+(?P<article>.+)$")
_SECTION = re.compile(r"^§(?P<number>\d+)(?P<rest>.*)$")


def cite(ref: str) -> str:
    """Return how a user reads citation ``ref``: document short name and article.

    Several citations may be joined with "、" or "," ("003 §11、002 §3(3)").
    """
    parts = [p.strip() for p in re.split(r"[、,，]", ref) if p.strip()]
    return "；".join(_cite_one(p) for p in parts)


def _cite_one(ref: str) -> str:
    if ref == PRODUCT:
        return gettext("product setting")
    match = _REF.match(ref)
    if match is None or match["seed"] not in DOCUMENTS:
        return ref
    document = DOCUMENTS[match["seed"]]
    article = match["article"]
    section = _SECTION.match(article)
    if section is not None:
        article = f"第{section['number']}条{section['rest']}"
    return f"{document.short} {article}"
