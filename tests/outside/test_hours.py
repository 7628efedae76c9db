"""Approved outside training counts toward the worker's hours; pending and rejected do not."""

from __future__ import annotations

import re
from datetime import date

from portal.outside import operations
from portal.timeutil import local_today
from tests.helpers import login


def _credited_on_card(client) -> str:
    """Return the credited hours the home page's training card shows."""
    page = client.get("/").get_data(as_text=True)
    start = page.rindex("<a ", 0, page.index('id="card-training"'))
    card = page[start : page.find("</a>", start)]
    return re.search(r'class="big">\s*([0-9.,]+)', card).group(1)


def test_only_approved_hours_show_on_the_home_card(
    client, street_team, submit_direct, make_training, attend
):
    """Attended 8 + approved 4.5 = 12.5 on the card; pending and rejected hours are left out."""
    worker, admin = street_team.worker, street_team.admin
    today = local_today()
    attend(worker, make_training(on=date(today.year, 1, 2), hours="8"))
    approved = submit_direct(worker, hours="4.5")
    submit_direct(worker, hours="30")  # stays pending
    rejected = submit_direct(worker, hours="50")
    operations.approve(approved, actor=admin)
    operations.reject(rejected, "无效证明", actor=admin)
    login(client, worker.user.phone)
    assert _credited_on_card(client) == "12.5"


def test_approved_hours_count_in_the_year_they_were_completed(client, street_team, submit_direct):
    """Training completed last year does not count toward this year's hours."""
    worker, admin = street_team.worker, street_team.admin
    last_year = date(local_today().year - 1, 6, 1)
    operations.approve(submit_direct(worker, hours="7.5", completed_on=last_year), actor=admin)
    operations.approve(submit_direct(worker, hours="2"), actor=admin)
    login(client, worker.user.phone)
    assert _credited_on_card(client) == "2"


def test_training_page_links_to_submission_and_calendar(client, street_team):
    """The worker's training page offers 提交外部培训学时 and 添加到日历."""
    worker = street_team.worker
    login(client, worker.user.phone)
    page = client.get(f"/workers/{worker.user_id}/training").get_data(as_text=True)
    assert 'href="/me/outside-training"' in page and "提交外部培训学时" in page
    assert 'href="/me/trainings.ics"' in page and "添加到日历" in page


def test_admin_viewing_a_worker_gets_no_personal_links(client, street_team):
    """A street admin viewing a worker's training page is not offered the worker's own links."""
    login(client, street_team.admin.phone)
    page = client.get(f"/workers/{street_team.worker.user_id}/training").get_data(as_text=True)
    assert "提交外部培训学时" not in page and "/me/trainings.ics" not in page
