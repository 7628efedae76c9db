"""The documents policy rules come from, and how a rule's citation reads to a user.

A profile cites a rule as ``"<document> <article>"`` — ``"003 §6"``, ``"003 §11(2)"``,
``"001 二(四)"``, ``"SC514 第三条"`` — or as ``"product"`` for a product setting that no
document sets. Several citations are joined with ";" (or "、"); a part without a document
("§10") belongs to the document before it.

Users never see the seed number: ``cite()`` turns a citation into the document's short
name and the article in the document's own numbering, e.g. ``"苏社〔2024〕52号 第6条"``.
The documents, article labels and verbatim excerpts are data, in ``documents.toml``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask_babel import gettext

PRODUCT = "product"  # a product setting, not policy
DOCUMENTS_FILE = Path(__file__).with_name("documents.toml")

_PART = re.compile(
    r"^(?:(?P<document>[0-9]{3}|[A-Z]+[0-9]+)(?:\s+(?P<article>\S.*))?|(?P<bare>§.+))$"
)
_SECTION = re.compile(r"^§(?P<number>\d+)(?:\((?P<item>\d+)\))?$")
_SEPARATORS = re.compile(r"[;；、,，]")


class CitationError(ValueError):
    """A citation names no known document, or is not of the form "<document> <article>"."""


@dataclass(frozen=True, slots=True)
class Document:
    """One source document, as its seed (or, for a non-seed document, its text) names it."""

    key: str  # what profiles write: the seed number, or e.g. "SC514"
    seed: str  # the seed file's number; "" for a document that is not a seed
    short: str  # what a user sees beside a rule
    title: str
    number: str  # 文号; "" when the seed gives none
    issuer: str  # "" when the seed names none
    issued_on: str  # ISO date, or "" when the seed gives none
    region: str  # whose standard it is: 全国, 江苏省, 上海市宝山区 …
    called: str  # how a sentence names it: 全国文件, 江苏省文件 …
    notes: str  # why a field is empty, or where it comes from

    @property
    def named(self) -> str:
        """Return the title in 《》, as a document is named in running text."""
        return self.title if self.title.startswith("《") else f"《{self.title}》"


@dataclass(frozen=True, slots=True)
class Article:
    """One cited article: how it reads, its heading and its sentences, verbatim."""

    key: str  # "003 §6"
    label: str  # "第6条", in the document's own numbering
    heading: str
    excerpt: tuple[str, ...]  # empty for a document that is not a seed


@dataclass(frozen=True, slots=True)
class Cited:
    """One resolved part of a citation, ready for a page."""

    document: Document
    label: str  # the article in the document's numbering; "" for the document as a whole
    heading: str
    excerpt: tuple[str, ...]

    @property
    def short(self) -> str:
        """Return the short form a user reads beside a rule."""
        return f"{self.document.short} {self.label}".strip()


@dataclass(frozen=True, slots=True)
class Registry:
    """Every document and cited article, read from ``documents.toml``."""

    documents: dict[str, Document]
    articles: dict[str, Article]


@cache
def registry() -> Registry:
    """Read ``documents.toml`` once."""
    with DOCUMENTS_FILE.open("rb") as fh:
        raw = tomllib.load(fh)
    documents = {
        key: Document(
            key=key,
            seed=item["seed"],
            short=item["short"],
            title=item["title"],
            number=item["number"],
            issuer=item["issuer"],
            issued_on=item["issued_on"],
            region=item["region"],
            called=item["called"],
            notes=item["notes"],
        )
        for key, item in raw["documents"].items()
    }
    articles = {
        key: Article(key, item["label"], item["heading"], tuple(item["excerpt"]))
        for key, item in raw["articles"].items()
    }
    return Registry(documents, articles)


def split(ref: str) -> list[str]:
    """Split a citation into its parts, each "<document> <article>" or "product"."""
    parts: list[str] = []
    document = ""
    for part in (p.strip() for p in _SEPARATORS.split(ref)):
        if not part:
            continue
        match = _PART.match(part)
        if part == PRODUCT or match is None:
            parts.append(part)
            continue
        if match["bare"]:
            part = f"{document} {match['bare']}".strip()
        else:
            document = match["document"]
        parts.append(part)
    return parts


def resolve(ref: str) -> list[Cited]:
    """Return the documents and articles of citation ``ref``; raise CitationError if unknown.

    "product" parts are left out: a product setting cites no document.
    """
    found = []
    for part in split(ref):
        if part == PRODUCT:
            continue
        found.append(_resolve_one(part))
    return found


def is_product(ref: str) -> bool:
    """Return whether the citation is a product setting, not a document's rule."""
    return ref.strip() == PRODUCT


def check(ref: str) -> None:
    """Raise CitationError unless every part of ``ref`` is "product" or a known document."""
    if not ref.strip():
        raise CitationError("empty citation")
    resolve(ref)


def _resolve_one(part: str) -> Cited:
    match = _PART.match(part)
    documents = registry().documents
    if match is None or match["bare"] or match["document"] not in documents:
        raise CitationError(f"unknown document in citation {part!r}")
    document = documents[match["document"]]
    article_ref = match["article"] or ""
    article = registry().articles.get(part)
    if article is not None:
        return Cited(document, article.label, article.heading, article.excerpt)
    return Cited(document, _label(article_ref), "", ())


def _label(article: str) -> str:
    """Read "§11(2)" as 第11条第（2）项 when no article entry gives the label."""
    section = _SECTION.match(article)
    if section is None:
        return article
    label = f"第{section['number']}条"
    if section["item"]:
        label += f"第（{section['item']}）项"
    return label


def cite(ref: str) -> str:
    """Return how a user reads citation ``ref``: document short name and article.

    Several citations may be joined with ";" or "、" ("003 §11、002 §3(3)"); "product"
    reads "product setting". An unknown citation is shown as written.
    """
    shown = []
    for part in split(ref):
        if part == PRODUCT:
            shown.append(gettext("product setting"))
            continue
        try:
            shown.append(_resolve_one(part).short)
        except CitationError:
            shown.append(part)
    return "；".join(dict.fromkeys(shown))
