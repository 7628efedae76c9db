"""The citation registry (portal/policy/documents.toml) is true to the seeds; cite() reads right."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

import pytest

from portal.policy import profiles
from portal.policy.citations import PRODUCT, cite, registry, resolve, split

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
CODES = ["national", "jiangsu", "shanghai_baoshan"]


def _normal(text: str) -> str:
    """Drop all whitespace: the seeds break lines (and numbers) anywhere."""
    return re.sub(r"\s+", "", text)


def _seed_text(seed: str) -> str:
    (path,) = SEEDS.glob(f"{seed}_*.txt")
    return _normal(path.read_text(encoding="utf-8"))


def _chinese_date(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def _raw_documents() -> dict:
    with (Path(profiles.__file__).with_name("documents.toml")).open("rb") as fh:
        return tomllib.load(fh)["documents"]


SEED_DOCUMENTS = [d for d in registry().documents.values() if d.seed]


# -- documents: every field as its seed gives it -------------------------------------------


@pytest.mark.parametrize("document", SEED_DOCUMENTS, ids=lambda d: d.key)
def test_document_title_is_in_its_seed(document):
    """A document's title is written in its own seed text."""
    assert _normal(document.title) in _seed_text(document.seed)


@pytest.mark.parametrize("document", SEED_DOCUMENTS, ids=lambda d: d.key)
def test_document_number_is_stated_by_a_seed_or_empty(document):
    """A 文号 is stated in a seed (its own, or the one named by number_seed), or left empty."""
    if not document.number:
        assert document.notes, f"{document.key}: say why the number is empty"
        return
    stated_in = _raw_documents()[document.key].get("number_seed", document.seed)
    assert _normal(document.number) in _seed_text(stated_in)


@pytest.mark.parametrize("document", SEED_DOCUMENTS, ids=lambda d: d.key)
def test_document_issuer_is_named_in_its_seed_or_empty(document):
    """Each issuing body (or author) is named in the seed; an empty issuer says why."""
    if not document.issuer:
        assert document.notes
        return
    text = _seed_text(document.seed)
    for body in re.split(r"[、（）]", document.issuer):
        assert _normal(body) in text, body


@pytest.mark.parametrize("document", SEED_DOCUMENTS, ids=lambda d: d.key)
def test_document_date_is_in_its_seed_or_empty(document):
    """The date of issue is written in the seed (as 2024年10月25日), or left empty."""
    if not document.issued_on:
        assert document.notes
        return
    assert _chinese_date(document.issued_on) in _seed_text(document.seed)


# fmt: off
KNOWN_DOCUMENTS = [
    # key, number, issued_on, what the seed says
    ("003", "苏社〔2024〕52号", "2024-10-25", "003 header and 印发 line"),
    ("004", "中办发〔2024〕33号", "2024-03-28", "004 dated; the number only in 003's preamble"),
    ("000", "浦民发〔2023〕39号", "2023-05-05", "000 header and signature"),
    ("001", "", "", "001: no number, blank date"),
    ("002", "", "", "002: a paper, no number or date"),
    ("SC514", "国务院令第514号", "2007-12-14", "national regulation, not a seed"),
]
# fmt: on


@pytest.mark.parametrize(("key", "number", "issued_on", "why"), KNOWN_DOCUMENTS)
def test_registry_numbers_and_dates(key, number, issued_on, why):
    """Each document carries the number and date its text gives, and none it does not."""
    document = registry().documents[key]
    assert (document.number, document.issued_on) == (number, issued_on), why


# -- excerpts: verbatim from the seed ----------------------------------------------------


ARTICLES = list(registry().articles.values())


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.key)
def test_every_excerpt_is_verbatim_in_its_seed(article):
    """Every stored sentence occurs verbatim in the seed of its document."""
    document = resolve(article.key)[0].document
    if not document.seed:
        assert article.excerpt == (), "a document that is not a seed has no stored excerpt"
        return
    assert article.excerpt, f"{article.key}: no excerpt"
    text = _seed_text(document.seed)
    for sentence in article.excerpt:
        assert _normal(sentence) in text, sentence


def _citations_in(raw: object, key: str = "") -> list[tuple[str, str]]:
    """Every (key path, citation) of a raw profile: citation/silent keys and [sources] values."""
    found = []
    if isinstance(raw, dict):
        for name, value in raw.items():
            path = f"{key}.{name}" if key else name
            if isinstance(value, str) and (
                name in {"citation", "silent"} or key.startswith("sources")
            ):
                found.append((path, value))
            else:
                found.extend(_citations_in(value, path))
    elif isinstance(raw, list):
        for index, item in enumerate(raw):
            found.extend(_citations_in(item, f"{key}[{index}]"))
    return found


PROFILE_CITATIONS = [
    pytest.param(code, path, ref, id=f"{code} {path}")
    for code in CODES
    for path, ref in _citations_in(
        tomllib.loads((profiles.PROFILE_DIR / f"{code}.toml").read_text(encoding="utf-8"))
    )
]


@pytest.mark.parametrize(("code", "path", "ref"), PROFILE_CITATIONS)
def test_every_profile_citation_resolves_to_a_document_and_an_excerpt(code, path, ref):
    """Each citation of a profile is "product", or a document and an article with an excerpt."""
    for part in split(ref):
        if part == PRODUCT:
            continue
        assert part in registry().articles, f"{code} {path}: no article entry for {part!r}"
        (cited,) = resolve(part)
        assert cited.excerpt or not cited.document.seed, f"{part}: no excerpt"


# -- cite(): the short form a user reads ---------------------------------------------------

# fmt: off
CITE_CASES = [
    # citation, what the user reads
    ("003 §6", "苏社〔2024〕52号 第6条"),                      # 16 measures numbered 1–16
    ("003 §11(2)", "苏社〔2024〕52号 第11条第（2）项"),          # items （1）–（6）
    ("003 §4(4)", "苏社〔2024〕52号 第4条第（4）项"),
    ("003 §15", "苏社〔2024〕52号 第15条"),                     # not stored: read from §
    ("004 §8", "中办发〔2024〕33号 第8条"),                     # 6 parts, 17 paragraphs 1–17
    ("001 一(六)", "宝山区对070号代表建议的答复 一、（六）"),
    ("001 二(四)", "宝山区对070号代表建议的答复 二、（四）"),
    ("000 一", "浦民发〔2023〕39号 一"),
    ("002 §5(4)", "童潇《上海社会治理创新中社区工作者政策跟踪》 第二部分（四）5.（4）"),  # a paper
    ("SC514 第三条", "《职工带薪年休假条例》 第三条"),
    ("003 §11、002 §3(3)",
     "苏社〔2024〕52号 第11条；童潇《上海社会治理创新中社区工作者政策跟踪》 第二部分（四）3.（3）"),
    ("004 §9; §10", "中办发〔2024〕33号 第9条；中办发〔2024〕33号 第10条"),  # § inherits
    ("product", "产品设置（非政策规定）"),
    ("unknown ref", "unknown ref"),
]
# fmt: on


@pytest.mark.parametrize(("ref", "expected"), CITE_CASES, ids=[c[0] for c in CITE_CASES])
def test_cite_names_document_and_article(app, ref, expected):
    """cite() shows the document's short name and the article in its own numbering."""
    with app.test_request_context():
        assert cite(ref) == expected


# -- sources: every rule of every profile points at an article ------------------------------

# fmt: off
SOURCE_CASES = [
    # profile, rule, citation, silent (the profile's own text that sets no number)
    ("jiangsu", "grades", "003 §2", ""),
    ("jiangsu", "training.days", "003 §6", ""),
    ("jiangsu", "training.induction_days", "003 §6", ""),
    ("jiangsu", "training.hours_per_day", "product", ""),
    ("jiangsu", "certificate.deadline_years", "003 §4(4)", ""),
    ("jiangsu", "certificate.amber_days", "product", ""),
    ("jiangsu", "certificate.red_days", "product", ""),
    ("jiangsu", "care.health_check_every_years", "003 §14", ""),
    ("jiangsu", "care.health_check_due_by", "product", ""),
    ("jiangsu", "care.annual_leave", "SC514 第二条; SC514 第三条", ""),
    ("jiangsu", "secondment.max_months", "003 §9", ""),
    ("national", "grades", "003 §2", "004 §4"),
    ("national", "training.days", "003 §6", "004 §8"),
    ("national", "training.induction_days", "003 §6", "004 §8"),
    ("national", "training.hours_per_day", "product", ""),
    ("national", "certificate.deadline_years", "003 §4(4)", "004 §4"),
    ("national", "care.health_check_every_years", "003 §14", "004 §14"),
    ("national", "secondment.max_months", "003 §9", "004 §17"),
    ("shanghai_baoshan", "grades", "003 §2", "002 一"),
    ("shanghai_baoshan", "training.hours_per_year", "001 二(四)", ""),
    ("shanghai_baoshan", "training.hours_per_day", "product", ""),
    ("shanghai_baoshan", "certificate.deadline_years", "003 §4(4)", "002 §2(4)"),
    ("shanghai_baoshan", "secondment.max_months", "003 §9", "004 §17"),
]
# fmt: on


@pytest.mark.parametrize(
    ("code", "rule", "citation", "silent"),
    SOURCE_CASES,
    ids=[f"{c[0]} {c[1]} {c[2]}" for c in SOURCE_CASES],
)
def test_every_rule_points_at_its_article(code, rule, citation, silent):
    """Each rule of a profile names the article it comes from, and the text that is silent."""
    source = profiles.load_profile(code).source(rule)
    assert source is not None
    assert (source.citation, source.silent) == (citation, silent)


# fmt: off
EXIT_SOURCES = [
    ("jiangsu", "unqualified_2y", "003 §11(2)", ""),
    ("jiangsu", "basic_3y", "003 §11(2)", ""),
    ("national", "unqualified_2y", "003 §11(2); 002 §5(4)", "004 §9; §10"),
    ("shanghai_baoshan", "unqualified_2y", "002 §5(4)", ""),
]
# fmt: on


@pytest.mark.parametrize(("code", "rule_code", "citation", "silent"), EXIT_SOURCES)
def test_exit_rules_cite_their_article(code, rule_code, citation, silent):
    """Each exit rule cites its article; the national one says 004 names no streak."""
    (rule,) = [r for r in profiles.load_profile(code).exit_rules if r.code == rule_code]
    assert (rule.citation, rule.silent) == (citation, silent)
