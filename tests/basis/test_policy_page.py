"""The 政策依据 page: each rule of the user's own profile, its value, document, article, excerpt."""

from __future__ import annotations

import pytest

from portal.enums import Role
from tests.helpers import login

# fmt: off
PAGE_CASES = [
    # profile, what the worker reads on the page (document/article, value, excerpt)
    ("jiangsu", [
        "《关于加强社区工作者队伍建设的16条措施》（苏社〔2024〕52号） 第6条",   # 003 §6
        "正职：5 天",                                                         # 003 §6
        "社区工作者正职、副职、一般工作人员每年参加集中培训时间分别不少于5天、3天、3天",
        "第11条第（2）项",                                                    # 003 §11(2)
        "（2）连续两年考核不合格或者连续三年考核基本合格的。",
        "时间不超过6个月。",                                                  # 003 §9
        "《职工带薪年休假条例》（国务院令第514号） 第三条",                      # not a seed
    ]),
    ("national", [
        "全国文件未规定具体数值，本平台沿用江苏省标准",                            # 004 §8 → 003 §6
        "《关于加强社区工作者队伍建设的意见》（中办发〔2024〕33号） 第8条",       # 004 §8
        "注重利用网络平台开展线上培训",
    ]),
    ("shanghai_baoshan", [
        "《《加强基层社区工作者队伍建设，抓好“选人、留人、培育人”三要素》代表建议的答复》"[1:-1],
        "二、（四）",                                                          # 001 二(四)
        "确保每名社区工作者全年完成40学时的培训。",
        "第二部分（四）5.（4）",                                               # 002 §5(4)
        "对招聘的社区工作者，有连续两年考核不合格",
    ]),
]
# fmt: on


@pytest.mark.parametrize(("policy", "expected"), PAGE_CASES, ids=[c[0] for c in PAGE_CASES])
def test_worker_reads_their_profile_rules_with_document_article_and_excerpt(
    client, make_worker, policy, expected
):
    """A worker's 政策依据 page names each rule's document and article and quotes it."""
    worker = make_worker(policy=policy)
    login(client, worker.user.phone)
    html = client.get("/policy").get_data(as_text=True)
    for text in expected:
        assert text in html, text


def test_product_settings_are_labelled(client, make_worker):
    """1 day = 8 学时 and the reminder thresholds read as product settings, not policy."""
    worker = make_worker(policy="jiangsu")
    login(client, worker.user.phone)
    html = client.get("/policy").get_data(as_text=True)
    assert "1 个培训日计为" in html
    # 8 学时, amber, red, the health-check date and the absence warning margin
    assert html.count("产品设置：由本平台设定，并非政策文件规定") == 5


def test_shanghai_page_shows_no_jiangsu_code(client, make_worker):
    """A Shanghai worker never reads a seed number such as "003 §"."""
    worker = make_worker(policy="shanghai_baoshan")
    login(client, worker.user.phone)
    html = client.get("/policy").get_data(as_text=True)
    assert "003 §" not in html and "001 " not in html
    assert "上海市宝山区" in html


@pytest.mark.parametrize(
    ("roles", "policy", "expected"),
    [
        ((Role.STREET_ADMIN,), "shanghai_baoshan", "上海市宝山区"),
        ((Role.DISTRICT_ADMIN,), "jiangsu", "江苏省"),
        ((Role.TRAINER,), "shanghai_baoshan", "上海市宝山区"),
        ((Role.MENTOR,), None, "全国基准"),
        ((Role.TALK_LEADER,), None, "全国基准"),
    ],
    ids=[
        "street admin: their district",
        "district admin: their district",
        "trainer of a street: its district",
        "mentor of no district: national",
        "talk leader of no district: national",
    ],
)
def test_admins_read_their_district_profile(
    client, make_street, make_user, roles, policy, expected
):
    """An admin reads their district's profile; a user of no district reads the national one."""
    if policy is None:
        user = make_user(*roles)
    elif Role.DISTRICT_ADMIN in roles:
        user = make_user(*roles, district=make_street(policy).district)
    else:
        user = make_user(*roles, street=make_street(policy))
    login(client, user.phone)
    response = client.get("/policy")
    assert response.status_code == 200
    assert f"本平台对{expected}" in response.get_data(as_text=True)


def test_policy_page_query_count_is_small(app, make_worker, count_queries):
    """The page costs a handful of queries."""
    worker = make_worker(policy="national")
    client = app.test_client()
    login(client, worker.user.phone)
    with count_queries() as statements:
        assert client.get("/policy").status_code == 200
    assert len(statements) <= 4, statements


# fmt: off
SECTION_CASES = [
    # profile, what its page lists of the dashboard and absence rules, what it must not list
    ("jiangsu",
     ["持证社工 60%", "每万城镇常住人口 18 名社区工作者", "每个社区不少于 2 名",
      "连续旷工超过 10 个工作日，或1年内累计超过 20 个工作日", "距退出情形 2 天时提醒", "县级轮训"],
     ["初级、中级、高级职称比例"]),
    ("national",
     ["每万城镇常住人口 18 名社区工作者", "县级轮训"],
     ["队伍建设目标", "旷工退出", "全科社工"]),
    ("shanghai_baoshan",
     ["初级、中级、高级职称比例", "40 : 40 : 20"],
     ["队伍建设目标", "旷工退出", "全科社工"]),
]
# fmt: on


@pytest.mark.parametrize(
    ("policy", "shown", "absent"), SECTION_CASES, ids=[c[0] for c in SECTION_CASES]
)
def test_page_lists_the_profiles_team_rotation_and_absence_rules(
    client, make_worker, policy, shown, absent
):
    """Targets, norms, rotation and the absence rule appear only where the profile sets them."""
    worker = make_worker(policy=policy)
    login(client, worker.user.phone)
    html = client.get("/policy").get_data(as_text=True)
    for text in shown:
        assert text in html, text
    for text in absent:
        assert text not in html, text
