"""The demo street's reference data: names, communities, trainings, festival dates, amounts.

Plain tables only; the builder modules turn them into rows. Dates here are calendar
facts (festival dates by year) or offsets; everything else is dated relative to today.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from portal.enums import (
    AppraisalResult,
    CertificateKind,
    OrganiserLevel,
    PostType,
    TrainingKind,
)

HEAD, DEPUTY, STAFF = PostType.HEAD, PostType.DEPUTY, PostType.STAFF
EXC, QUAL, BASIC, UNQ = (
    AppraisalResult.EXCELLENT,
    AppraisalResult.QUALIFIED,
    AppraisalResult.BASIC,
    AppraisalResult.UNQUALIFIED,
)


# The six demo logins: phone → (role label, what to look at after logging in).
LOGIN_NOTES = {
    "13800000001": (
        "社工",
        "首页五张卡片：今年学时未达标、助理社会工作师证书期限约100天（黄灯）、"
        "三年考核、年假与待审批的关爱基金申请",
    ),
    "13800000002": ("培训组织者", "街道培训与签到（本人也是社工，副职）"),
    "13800000003": ("导师", "资深社区党组织书记（正职16级），带教新入职社工"),
    "13800000004": ("谈心领导", "湖南路街道领导，每月社工谈心日"),
    "13800000005": (
        "街道管理员",
        "湖南路街道花名册、证书期限、退出风险（如13900000103）；看不到宝山区",
    ),
    "13800000006": (
        "平台管理员",
        "组织架构（/platform）：新建和改名区、街道、社区，开设管理员账号，选择区的政策方案并预览影响",
    ),
}


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛"
    "段雷侯史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
# Given names, one or two characters, separated by spaces.
_GIVEN_NAMES = (
    "伟 芳 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 鹏 颖 琳 倩 晨 昊 帆 悦 婧 蕾 "
    "瑞 楠 旭 凯 斌 萍 燕 玲 红 桂英 秀英 海燕 建华 雪梅 婷婷 子涵 欣怡 浩然 宇航 佳琪 思远 "
    "文博 雅琴 梦瑶 俊杰 立新 红梅 玉兰 春燕 晓东 建军 丹丹 海峰 志刚 慧敏 晓燕 文静 亚楠 "
    "国平 建平 永红 晓辉 卫东 金凤 美玲 志伟 佳怡 一鸣 嘉欣 雨萱 梓涵 明轩 晓峰 晓丽 彩霞 "
    "德华 宏伟 丽娟 国强 凤英 少华 益民 新民 晓敏 芸 蓉 洁 薇 岚 莉 宁 欢 辉 东 阳 翔"
)
GIVEN_NAMES = tuple(_GIVEN_NAMES.split())

MAIN_COMMUNITIES = (  # (name, population, households)
    ("山西路社区", 12600, 4850),
    ("高云岭社区", 9800, 3720),
    ("马台街社区", 14200, 5310),
    ("天目路社区", 8600, 3240),
    ("青岛路社区", 11300, 4260),
)
OTHER_COMMUNITIES = (("盘古路居民区", 7900, 3120), ("永清二村居民区", 9400, 3650))

# (title, kind, level, hours, place key)
MAIN_TRAININGS = (
    (
        "社区工作者在职轮训：基层治理与社区服务",
        TrainingKind.IN_SERVICE,
        OrganiserLevel.COUNTY,
        16,
        "base",
    ),
    ("'全岗通'业务能力培训", TrainingKind.IN_SERVICE, OrganiserLevel.STREET, 6, "street"),
    ("社会工作者职业资格考试考前辅导", TrainingKind.SPECIAL, OrganiserLevel.STREET, 8, "street"),
    ("社区党组织书记赋能培训班", TrainingKind.SPECIAL, OrganiserLevel.CITY, 16, "school"),
    ("居民议事会实务工作坊", TrainingKind.PRACTICE, OrganiserLevel.STREET, 4, "street"),
    ("心理疏导与危机干预专题", TrainingKind.SPECIAL, OrganiserLevel.COUNTY, 8, "base"),
    ("线上专题：民法典与社区矛盾调解", TrainingKind.ONLINE, OrganiserLevel.PROVINCE, 3, "online"),
    ("消防安全与应急处置演练", TrainingKind.PRACTICE, OrganiserLevel.STREET, 4, "street"),
    ("社区养老服务政策解读", TrainingKind.IN_SERVICE, OrganiserLevel.STREET, 3, "street"),
    ("社会救助政策与低保审核实务", TrainingKind.IN_SERVICE, OrganiserLevel.COUNTY, 6, "base"),
    ("群众工作方法与沟通技巧", TrainingKind.IN_SERVICE, OrganiserLevel.STREET, 4, "street"),
    ("社区志愿服务项目设计", TrainingKind.SPECIAL, OrganiserLevel.COUNTY, 8, "base"),
    ("党建引领基层治理示范培训", TrainingKind.SPECIAL, OrganiserLevel.PROVINCE, 16, "province"),
    ("社会工作专业（开放教育）集中面授", TrainingKind.DEGREE, OrganiserLevel.CITY, 12, "school"),
    ("线上专题：数据安全与居民信息保护", TrainingKind.ONLINE, OrganiserLevel.CITY, 4, "online"),
    ("网格化服务管理实务", TrainingKind.IN_SERVICE, OrganiserLevel.STREET, 5, "street"),
)
MAIN_INDUCTION = (
    "新入职社区工作者初任培训",
    TrainingKind.INDUCTION,
    OrganiserLevel.COUNTY,
    16,
    "base",
)
MAIN_PLACES = {
    "street": "湖南路街道党群服务中心三楼多功能厅",
    "base": "鼓楼区社会工作者培训基地",
    "school": "南京市委党校",
    "province": "江苏省社会工作者培训中心",
    "online": "线上（江苏干部在线学习平台）",
}
OTHER_TRAININGS = (
    ("宝山区社区工作者'全岗通'能力培训", TrainingKind.IN_SERVICE, OrganiserLevel.COUNTY, 8, "base"),
    ("社工谈心日带教技巧", TrainingKind.SPECIAL, OrganiserLevel.STREET, 4, "street"),
    ("居民区书记工作室实务交流", TrainingKind.PRACTICE, OrganiserLevel.STREET, 6, "street"),
    ("线上专题：'一网统管'平台操作", TrainingKind.ONLINE, OrganiserLevel.CITY, 4, "online"),
    ("社区工作者心理减压课程", TrainingKind.SPECIAL, OrganiserLevel.STREET, 3, "street"),
    ("上海市社区工作者专业能力提升班", TrainingKind.IN_SERVICE, OrganiserLevel.CITY, 16, "school"),
)
OTHER_PLACES = {
    "street": "友谊路街道社区党群服务中心",
    "base": "宝山区社区工作者学院",
    "school": "上海市社会工作党校",
    "online": "线上（上海干部在线学习城）",
}


class TrainingPlan(NamedTuple):
    """A street's trainings: templates and places, and how many in each period."""

    templates: tuple[tuple[str, TrainingKind, OrganiserLevel, int, str], ...]
    places: dict[str, str]
    per_past_year: tuple[int, int, int]  # the three past years, oldest first
    this_year: int  # at most: about one every three weeks of the year so far
    upcoming: int


MAIN_PLAN = TrainingPlan(MAIN_TRAININGS, MAIN_PLACES, (5, 8, 8), this_year=10, upcoming=4)
OTHER_PLAN = TrainingPlan(OTHER_TRAININGS, OTHER_PLACES, (2, 2, 3), this_year=6, upcoming=1)

# Lunar festivals by Gregorian date; outside the table an approximate date is used.
FESTIVALS = {
    "春节": {
        2020: (1, 25),
        2021: (2, 12),
        2022: (2, 1),
        2023: (1, 22),
        2024: (2, 10),
        2025: (1, 29),
        2026: (2, 17),
        2027: (2, 6),
        2028: (1, 26),
        2029: (2, 13),
        2030: (2, 3),
    },
    "端午节": {
        2020: (6, 25),
        2021: (6, 14),
        2022: (6, 3),
        2023: (6, 22),
        2024: (6, 10),
        2025: (5, 31),
        2026: (6, 19),
        2027: (6, 9),
        2028: (5, 28),
        2029: (6, 16),
        2030: (6, 5),
    },
    "中秋节": {
        2020: (10, 1),
        2021: (9, 21),
        2022: (9, 10),
        2023: (9, 29),
        2024: (9, 17),
        2025: (10, 6),
        2026: (9, 25),
        2027: (9, 15),
        2028: (10, 3),
        2029: (9, 22),
        2030: (9, 12),
    },
}
FESTIVAL_FALLBACK = {"春节": (2, 5), "端午节": (6, 10), "中秋节": (9, 20)}
FESTIVAL_GIFT = {"春节": Decimal(800), "端午节": Decimal(300), "中秋节": Decimal(300)}

MONTHLY_ALLOWANCE = {  # yuan a month, by highest social-work certificate (local setting)
    CertificateKind.ASSISTANT_SOCIAL_WORKER: Decimal(200),
    CertificateKind.SOCIAL_WORKER: Decimal(400),
}
CERT_LABEL = {
    CertificateKind.ASSISTANT_SOCIAL_WORKER: "助理社会工作师",
    CertificateKind.SOCIAL_WORKER: "社会工作师",
}
POST_LABEL = {HEAD: "正职", DEPUTY: "副职", STAFF: "一般工作人员"}
PROMOTION_REASONS = ("年度考核优秀晋级", "任职满三年考核合格晋级", "工作年限晋级")
