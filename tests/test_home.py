"""The worker's home page: five cards with real figures, and the detail pages behind them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.enums import AppraisalResult, AudienceScope, CertificateKind, PostType, Role
from portal.models import TrainingAudience
from portal.policy.citations import cite
from portal.policy.profiles import load_profile
from portal.timeutil import local_today
from tests.helpers import login


def _home(client, worker) -> str:
    login(client, worker.user.phone)
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _card(page: str, card_id: str) -> str:
    start = page.rindex("<a ", 0, page.index(f'id="{card_id}"'))
    end = page.find("</a>", start)
    return page[start:end]


def test_grade_card_shows_post_grade_range_and_years(client, make_worker, add_records):
    """The grade card shows post type, grade of 18, the post type's range and years worked."""
    today = local_today()
    worker = make_worker(
        post_type=PostType.DEPUTY,
        grade=9,
        started_on=today.replace(year=today.year - 7) - timedelta(days=1),
    )
    add_records(worker, grade_changes=2)
    card = _card(_home(client, worker), "card-grade")
    assert "9" in card and "/ 18" in card
    assert "4–15" in card  # 003 §2: 副职 4–15
    assert "7" in card  # years of community work
    assert "晋级1" in card  # latest change and its reason


def test_grade_card_flags_top_of_range(client, make_worker):
    """A worker at the top of their post type's range is told so."""
    worker = make_worker(post_type=PostType.STAFF, grade=12)
    page = _home(client, worker)
    assert "本岗位最高等级" in _card(page, "card-grade")


def test_training_card_counts_only_this_years_hours(client, make_worker, make_training, attend):
    """Hours credited this year count toward the minimum; last year's do not."""
    today = local_today()
    worker = make_worker(post_type=PostType.HEAD)  # jiangsu: 5 days × 8 = 40 hours
    attend(worker, make_training(on=date(today.year, 1, 5), hours="8"))
    attend(worker, make_training(on=date(today.year, 1, 6), hours="4.5"))
    attend(worker, make_training(on=date(today.year - 1, 12, 30), hours="16"))
    card = _card(_home(client, worker), "card-training")
    assert "12.5" in card and "/ 40" in card
    assert "27.5" in card  # still missing


def test_training_requirement_follows_the_district_profile(client, make_worker):
    """A Baoshan worker needs 40 学时 whatever the post; a Jiangsu staff member 3 days = 24."""
    baoshan = make_worker(policy="shanghai_baoshan", post_type=PostType.STAFF)
    assert "/ 40" in _card(_home(client, baoshan), "card-training")
    client.post("/logout", data={})  # CSRF refuses this; use a new client below


def test_jiangsu_staff_needs_three_days(app, db, make_worker):
    """Jiangsu 一般工作人员 need 3 days (24 学时 at 8 per day) [003 §6]."""
    worker = make_worker(policy="jiangsu", post_type=PostType.STAFF)
    client = app.test_client()
    assert "/ 24" in _card(_home(client, worker), "card-training")


def test_certificate_card_counts_down_for_uncertified_worker(client, make_worker):
    """Without the social-work certificate, the deadline (eligibility + 3 years) counts down."""
    today = local_today()
    eligible = today - timedelta(days=3 * 365 - 100)
    worker = make_worker(exam_eligible_on=eligible)
    page = _home(client, worker)
    card = _card(page, "card-certificates")
    assert "state-amber" in card or "state-red" in card
    assert "天" in card


def test_certificate_card_shows_overdue(client, make_worker):
    """A deadline in the past shows as overdue, in red."""
    today = local_today()
    worker = make_worker(exam_eligible_on=today.replace(year=today.year - 4))
    card = _card(_home(client, worker), "card-certificates")
    assert "state-overdue" in card and "已逾期" in card


def test_certified_worker_has_no_countdown(client, make_worker, add_records):
    """A worker holding 助理社会工作师 sees the certificate, not a countdown."""
    today = local_today()
    worker = make_worker(exam_eligible_on=today.replace(year=today.year - 4))
    add_records(worker, certificates=[CertificateKind.ASSISTANT_SOCIAL_WORKER])
    card = _card(_home(client, worker), "card-certificates")
    assert "助理社会工作师" in card
    assert "state-certified" in card and "已逾期" not in card
    detail = client.get(f"/workers/{worker.user_id}/certificates")
    assert "助理社会工作师" in detail.text
    assert "取证截止日期" not in detail.text  # no past deadline for a certificate holder


@pytest.mark.parametrize("policy", ["jiangsu", "national", "shanghai_baoshan"])
def test_certificate_page_deadline_only_for_a_worker_who_owes_it(
    app, make_worker, add_records, policy
):
    """003 §4(4): the detail page shows the deadline and its source to a non-holder only.

    The holder's eligibility date lies four years back, so a deadline would be in the past.
    """
    today = local_today()
    eligible = today.replace(year=today.year - 4)
    holder = make_worker(policy=policy, exam_eligible_on=eligible)
    add_records(holder, certificates=[CertificateKind.ASSISTANT_SOCIAL_WORKER])
    owes = make_worker(policy=policy, exam_eligible_on=eligible)
    profile = load_profile(policy)
    source = f"政策依据：{cite(profile.certificate.citation)}"

    client = app.test_client()
    login(client, holder.user.phone)
    page = client.get(f"/workers/{holder.user_id}/certificates").get_data(as_text=True)
    assert "已持证" in page and "助理社会工作师" in page
    assert "取证截止日期" not in page and "已逾期" not in page and source not in page

    client = app.test_client()
    login(client, owes.user.phone)
    page = client.get(f"/workers/{owes.user_id}/certificates").get_data(as_text=True)
    deadline = eligible.replace(year=eligible.year + 3)
    assert (
        f"社工职业资格证书取证截止日期：{deadline.year}年{deadline.month}月{deadline.day}日" in page
    )
    assert "已逾期" in page
    assert source in page


def test_appraisal_card_lists_results_latest_first(client, make_worker, add_records):
    """Appraisal results show year by year, the latest first."""
    year = local_today().year
    worker = make_worker()
    add_records(
        worker,
        appraisals={
            year - 3: AppraisalResult.QUALIFIED,
            year - 2: AppraisalResult.EXCELLENT,
            year - 1: AppraisalResult.BASIC,
        },
    )
    card = _card(_home(client, worker), "card-appraisals")
    assert card.index(str(year - 1)) < card.index(str(year - 2)) < card.index(str(year - 3))
    assert "基本合格" in card and "优秀" in card


def test_care_card_shows_leave_left_and_health_check(client, make_worker, add_records):
    """The care card shows annual leave left and whether this year's health check is done."""
    today = local_today()
    worker = make_worker()
    add_records(worker, leave=("10", "3"), health_check_on=today.replace(month=1, day=3))
    card = _card(_home(client, worker), "card-care")
    assert "7" in card and "10" in card
    assert "体检" in card and "已完成" in card


@pytest.mark.parametrize("page", ["grade", "training", "certificates", "appraisals", "care"])
def test_each_card_opens_its_detail_page(client, make_worker, page):
    """Every card links to a detail page the worker can open."""
    worker = make_worker()
    home = _home(client, worker)
    url = f"/workers/{worker.user_id}/{page}"
    assert f'href="{url}"' in home
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("page", ["grade", "training", "certificates", "appraisals", "care"])
def test_worker_cannot_open_another_workers_pages(client, make_worker, page):
    """A worker asking for a colleague's records gets 404, as if they did not exist."""
    me = make_worker()
    colleague = make_worker(street=None, name="别人")
    login(client, me.user.phone)
    response = client.get(f"/workers/{colleague.user_id}/{page}")
    assert response.status_code == 404
    assert "别人" not in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["grade", "care"])
def test_street_admin_sees_own_street_only(client, make_worker, make_user, page):
    """A street admin opens records of their street's workers, not another street's."""
    mine = make_worker()
    theirs = make_worker()
    admin = make_user(Role.STREET_ADMIN, street=mine.community.street)
    login(client, admin.phone)
    assert client.get(f"/workers/{mine.user_id}/{page}").status_code == 200
    assert client.get(f"/workers/{theirs.user_id}/{page}").status_code == 404


def test_grade_detail_lists_the_whole_history(client, make_worker, add_records):
    """The grade page lists every change with date, from → to and reason."""
    worker = make_worker(grade=6)
    add_records(worker, grade_changes=5)
    login(client, worker.user.phone)
    page = client.get(f"/workers/{worker.user_id}/grade").get_data(as_text=True)
    for i in range(5):
        assert f"晋级{i}" in page
    assert "1 → 2" in page and "5 → 6" in page


def test_training_detail_lists_what_earned_the_hours(client, make_worker, make_training, attend):
    """The training page names each training credited this year and what is coming."""
    today = local_today()
    worker = make_worker()
    attend(worker, make_training(on=date(today.year, 1, 5), title="矛盾调解实务"))
    attend(worker, make_training(on=date(today.year - 1, 6, 1), title="去年的培训"))
    upcoming = make_training(
        on=today + timedelta(days=10), title="应急处突演练", street=worker.community.street
    )
    upcoming.audience.append(
        TrainingAudience(scope=AudienceScope.STREET, street_id=worker.community.street_id)
    )
    make_training(on=today + timedelta(days=11), title="别的街道的培训")  # not expected
    login(client, worker.user.phone)
    page = client.get(f"/workers/{worker.user_id}/training").get_data(as_text=True)
    assert "矛盾调解实务" in page and "去年的培训" not in page
    assert "应急处突演练" in page and "别的街道的培训" not in page


def test_training_card_shows_the_next_expected_training(client, make_worker, make_training):
    """The training card names the next training the worker is expected at, with its date."""
    today = local_today()
    worker = make_worker()
    street = worker.community.street
    for days, title in ((20, "社区治理专题培训"), (9, "矛盾纠纷调解实务"), (-3, "已结束的培训")):
        training = make_training(on=today + timedelta(days=days), title=title, street=street)
        training.audience.append(TrainingAudience(scope=AudienceScope.STREET, street_id=street.id))
    make_training(on=today + timedelta(days=2), title="别的街道的培训")  # sooner, not for them
    card = _card(_home(client, worker), "card-training")
    soon = today + timedelta(days=9)
    assert f"下一场: {soon:%Y/%m/%d} 09:00 · 矛盾纠纷调解实务" in card
    assert "社区治理专题培训" not in card and "别的街道的培训" not in card


def test_training_card_without_upcoming_training_names_none(client, make_worker):
    """With nothing coming up the card shows no next-training line."""
    card = _card(_home(client, make_worker()), "card-training")
    assert "下一场" not in card


def test_unpublished_appraisal_stays_hidden(client, db, make_worker):
    """A result the street has not published yet is not shown to the worker."""
    from portal.models import Appraisal

    worker = make_worker()
    db.session.add(
        Appraisal(worker_id=worker.user_id, year=2025, result=AppraisalResult.UNQUALIFIED)
    )
    db.session.flush()
    login(client, worker.user.phone)
    page = client.get(f"/workers/{worker.user_id}/appraisals").get_data(as_text=True)
    assert "不合格" not in page and "暂无已公布的考核结果" in page


def test_training_detail_lists_approved_outside_training(client, db, make_worker):
    """Approved outside training shows in the year's list beside attended trainings."""
    from decimal import Decimal

    from portal.enums import RequestStatus, TrainingKind
    from portal.models import OutsideTraining

    today = local_today()
    worker = make_worker()
    for title, status in [
        ("省级网络培训", RequestStatus.APPROVED),
        ("待审核的培训", RequestStatus.PENDING),
    ]:
        db.session.add(
            OutsideTraining(
                worker_id=worker.user_id,
                title=title,
                kind=TrainingKind.ONLINE,
                organiser="省民政厅",
                hours=Decimal("6"),
                completed_on=today,
                status=status,
            )
        )
    db.session.flush()
    login(client, worker.user.phone)
    page = client.get(f"/workers/{worker.user_id}/training").get_data(as_text=True)
    assert "省级网络培训" in page and "外部培训" in page
    assert "待审核的培训" not in page
