"""The workers the demo fixes by hand, as data: the demo logins, the edge cases, who left.

Dates are offsets from today (``Ago``, ``IntoYear``, ``DueIn``); ``WorkerSpecs`` turns a
row into a worker spec. Every other worker of the demo is drawn at random.
"""

from __future__ import annotations

from portal.demo.common import Ago, DueIn, IntoYear, NamedWorker
from portal.demo.data import BASIC, DEPUTY, EXC, HEAD, QUAL, STAFF, UNQ
from portal.enums import CareStatus, CertificateKind, Education, HiringRoute, Role, WorkerStatus

Y = 365  # days in a year, for readable offsets

NAMED_WORKERS = (
    # the demo logins
    NamedWorker(
        "13800000001",
        "李晓雯",
        community=0,
        post=STAFF,
        started=Ago(4, 95),
        education=Education.BACHELOR,
        party=True,
        route=HiringRoute.RECRUITED,
        target_grade=4,
        demo=True,
        exam_eligible=DueIn(days=100, years=3),
        certs=((CertificateKind.GENERALIST, Ago(1, 40)),),
        appraisals=(QUAL, EXC, QUAL),
        hours_plan="behind",
        care_fund=(CareStatus.APPLIED, "母亲住院手术，申请关爱基金困难补助", 5000),
        fixed_history=(
            (0, STAFF, 2, "招聘入职，定岗定级（本科）"),
            (Y + 60, STAFF, 3, "年度考核优秀晋级"),
            (3 * Y + 60, STAFF, 4, "任职满三年考核合格晋级"),
        ),
    ),
    NamedWorker(
        "13800000002",
        "周志强",
        community=1,
        post=DEPUTY,
        started=Ago(11, 200),
        education=Education.MASTER,
        party=True,
        route=HiringRoute.ELECTED,
        target_grade=9,
        roles=(Role.WORKER, Role.TRAINER),
        demo=True,
        exam_eligible=Ago(10),
        certs=(
            (CertificateKind.ASSISTANT_SOCIAL_WORKER, Ago(9)),
            (CertificateKind.SOCIAL_WORKER, Ago(5, 30)),
        ),
        hours_plan="done",
        fixed_history=(
            (0, STAFF, 3, "招聘入职，定岗定级（硕士）"),
            (2 * Y + 30, STAFF, 4, "年度考核优秀晋级"),
            (3 * Y + 30, STAFF, 5, "取得助理社会工作师证书晋升一级"),
            (5 * Y + 90, DEPUTY, 6, "岗位晋升：当选社区居委会副主任"),
            (7 * Y + 30, DEPUTY, 7, "取得社会工作师证书晋升一级"),
            (9 * Y + 30, DEPUTY, 8, "年度考核优秀晋级"),
            (10 * Y + 60, DEPUTY, 9, "任职满三年考核合格晋级"),
        ),
    ),
    NamedWorker(
        "13800000003",
        "陈国华",
        community=0,
        post=HEAD,
        started=Ago(22, 120),
        education=Education.BACHELOR,
        party=True,
        route=HiringRoute.ELECTED,
        target_grade=16,
        roles=(Role.WORKER, Role.MENTOR),
        demo=True,
        exam_eligible=Ago(17),
        certs=(
            (CertificateKind.ASSISTANT_SOCIAL_WORKER, Ago(16)),
            (CertificateKind.SOCIAL_WORKER, Ago(12)),
            (CertificateKind.GENERALIST, Ago(2)),
        ),
        hours_plan="done",
        fixed_history=(
            (0, STAFF, 3, "招聘入职，定岗定级"),
            (4 * Y, DEPUTY, 6, "岗位晋升：当选社区居委会副主任"),
            (7 * Y, DEPUTY, 7, "取得助理社会工作师证书晋升一级"),
            (9 * Y, HEAD, 10, "岗位晋升：当选社区党组织书记、居委会主任"),
            (11 * Y, HEAD, 11, "取得社会工作师证书晋升一级"),
            (14 * Y, HEAD, 12, "年度考核优秀晋级"),
            (17 * Y, HEAD, 14, "连续两年考核优秀晋升两级"),
            (20 * Y, HEAD, 15, "工作年限晋级"),
            (21 * Y + 60, HEAD, 16, "年度考核优秀晋级"),
        ),
    ),
    # the edge cases (see the package's docstring)
    NamedWorker(
        "13900000101",
        "吴秀兰",
        community=2,
        post=STAFF,
        started=Ago(24, 60),
        education=Education.COLLEGE,
        party=True,
        route=HiringRoute.RECRUITED,
        target_grade=12,
        exam_eligible=Ago(2, -45),
    ),
    NamedWorker(
        "13900000102",
        "孙浩",
        community=3,
        post=STAFF,
        started=Ago(5, 30),
        education=Education.COLLEGE,
        party=False,
        route=HiringRoute.RECRUITED,
        target_grade=3,
        exam_eligible=Ago(3, 75),
    ),
    NamedWorker(
        "13900000103",
        "赵磊",
        community=4,
        post=DEPUTY,
        started=Ago(8, 150),
        education=Education.COLLEGE,
        party=True,
        route=HiringRoute.ELECTED,
        target_grade=7,
        initial_post=DEPUTY,
        appraisals=(QUAL, QUAL, UNQ),
        exam_eligible=Ago(1),
    ),
    NamedWorker(
        "13900000104",
        "钱丽萍",
        community=1,
        post=STAFF,
        started=Ago(6, 20),
        education=Education.HIGH_SCHOOL,
        party=False,
        route=HiringRoute.RECRUITED,
        target_grade=5,
        appraisals=(QUAL, BASIC, BASIC),
        exam_eligible=Ago(2),
        care_fund=(
            CareStatus.REJECTED,
            "申请事项不属于关爱基金救助范围（商业保险已全额理赔）",
            3000,
        ),
    ),
    NamedWorker(
        "13900000105",
        "郑雨桐",
        community=2,
        post=STAFF,
        started=IntoYear(0.6),
        education=Education.BACHELOR,
        party=False,
        route=HiringRoute.RECRUITED,
        target_grade=1,
        hours_plan="pace",
    ),
    NamedWorker(
        "13900000106",
        "冯振宇",
        community=3,
        post=STAFF,
        started=Ago(7, 80),
        education=Education.BACHELOR,
        party=True,
        route=HiringRoute.RECRUITED,
        target_grade=6,
        joined=IntoYear(0.3),
        no_records=True,
    ),
)

# Random workers of the main street who have left the team, by phone: (community index,
# status, reason, days since); a secondment lasts 150 days (at most six months).
AWAY_WORKERS = (
    ("13900000107", 0, WorkerStatus.SECONDED, "借调至鼓楼区民政局协助养老服务补贴核查", 45),
    ("13900000108", 4, WorkerStatus.SECONDED, "借调至区委社会工作部协助新就业群体党建工作", 100),
    ("13900000109", 1, WorkerStatus.EXITED, "本人申请辞职（考入事业单位）", 80),
)
