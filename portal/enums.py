"""Domain vocabularies shared by models, rules and forms.

Values are stable English codes stored in the database; labels are translated
at the edges (templates, forms, imports).
"""

from __future__ import annotations

import enum


class PostType(enum.StrEnum):
    """三岗: the three post types [003 §2]."""

    HEAD = "head"  # 正职
    DEPUTY = "deputy"  # 副职
    STAFF = "staff"  # 一般工作人员


class AppraisalResult(enum.StrEnum):
    """年度考核 levels, best first [003 §9, 002]."""

    EXCELLENT = "excellent"  # 优秀
    QUALIFIED = "qualified"  # 合格
    BASIC = "basic"  # 基本合格
    UNQUALIFIED = "unqualified"  # 不合格


class HiringRoute(enum.StrEnum):
    """How the worker joined: 选任 (elected to the 两委) or 招聘 (recruited) [003 §5]."""

    ELECTED = "elected"
    RECRUITED = "recruited"


class WorkerStatus(enum.StrEnum):
    """在岗 / 借调 / 退出 [003 §9, §11]."""

    ACTIVE = "active"
    SECONDED = "seconded"
    EXITED = "exited"


class Education(enum.StrEnum):
    """Highest education; 大专 and above counts toward the 90 % target [003 §1]."""

    HIGH_SCHOOL = "high_school"  # 高中/中专及以下
    COLLEGE = "college"  # 大专
    BACHELOR = "bachelor"  # 本科
    MASTER = "master"  # 硕士及以上


class Role(enum.StrEnum):
    """What a user may do; a user may hold several."""

    WORKER = "worker"
    TRAINER = "trainer"
    MENTOR = "mentor"
    TALK_LEADER = "talk_leader"
    STREET_ADMIN = "street_admin"
    DISTRICT_ADMIN = "district_admin"  # reads every street of the district, changes nothing
    PLATFORM_ADMIN = "platform_admin"  # sets up districts, streets, communities and their admins


class CertificateKind(enum.StrEnum):
    """Certificates in play [002 §2(4), 003 §3, §8]."""

    ASSISTANT_SOCIAL_WORKER = "assistant_social_worker"  # 助理社会工作师
    SOCIAL_WORKER = "social_worker"  # 社会工作师
    SENIOR_SOCIAL_WORKER = "senior_social_worker"  # 高级社会工作师
    GENERALIST = "generalist"  # 全科社工
    COUNSELLOR = "counsellor"  # 心理咨询师
    OTHER = "other"

    @property
    def is_social_work_qualification(self) -> bool:
        """Whether this certificate satisfies the 3-year requirement of 003 §4(4)."""
        return self in _SOCIAL_WORK_QUALIFICATIONS


_SOCIAL_WORK_QUALIFICATIONS = frozenset(
    {
        CertificateKind.ASSISTANT_SOCIAL_WORKER,
        CertificateKind.SOCIAL_WORKER,
        CertificateKind.SENIOR_SOCIAL_WORKER,
    }
)


class TrainingKind(enum.StrEnum):
    """Training kinds [004 §8, 003 §6]."""

    INDUCTION = "induction"  # 初任
    IN_SERVICE = "in_service"  # 在职/专业
    SPECIAL = "special"  # 专项
    DEGREE = "degree"  # 学历
    PRACTICE = "practice"  # 实践
    ONLINE = "online"  # 线上


class OrganiserLevel(enum.StrEnum):
    """Who organises a training [003 §6, 004 §8]."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    STREET = "street"


class AttendanceMethod(enum.StrEnum):
    """How an attendance mark was made."""

    SELF_SCAN = "self_scan"
    TRAINER_SCAN = "trainer_scan"
    MANUAL = "manual"
    IMPORTED = "imported"


class CareKind(enum.StrEnum):
    """Care and benefits [003 §12, §14; 004 §12, §14; 000 三]."""

    ANNUAL_LEAVE = "annual_leave"  # 带薪年假 (days taken)
    HEALTH_CHECK = "health_check"  # 每年健康体检
    RECUPERATION = "recuperation"  # 定期疗休养
    FESTIVAL_VISIT = "festival_visit"  # 重大节日走访慰问
    CARE_FUND = "care_fund"  # 关爱基金
    SUBSIDY = "subsidy"  # 重大任务/灾害工作补助
    CERTIFICATE_ALLOWANCE = "certificate_allowance"  # 职业津贴


class CareStatus(enum.StrEnum):
    """Where a care record stands."""

    APPLIED = "applied"
    APPROVED = "approved"
    REJECTED = "rejected"
    DONE = "done"


class AudienceScope(enum.StrEnum):
    """Who a training expects: a whole street, communities, post types, or named workers."""

    STREET = "street"
    COMMUNITY = "community"
    POST_TYPE = "post_type"
    WORKER = "worker"


class RequestStatus(enum.StrEnum):
    """Where a request (to join a training, to credit outside training) stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class MentoringTopic(enum.StrEnum):
    """传帮带 topics, following the policies' skill areas [004 §6, 003 §7]."""

    MASS_WORK = "mass_work"  # 群众工作
    MOBILISATION = "mobilisation"  # 组织动员
    LAW = "law"  # 依法办事
    MEDIATION = "mediation"  # 矛盾调解
    EMERGENCY = "emergency"  # 应急处突
    COORDINATION = "coordination"  # 协调沟通
    IT = "it"  # 信息技术应用
    POLICY = "policy"  # 政策法规
    OTHER = "other"


class ConcernArea(enum.StrEnum):
    """Areas of concern raised in a 谈心日 talk."""

    WORK = "work"  # 工作
    LIFE = "life"  # 生活
    HEALTH = "health"  # 健康
    FAMILY = "family"  # 家庭
    CAREER = "career"  # 职业发展


class GrowthKind(enum.StrEnum):
    """The "四个一" of a new worker's first three years [002 §2(1)]."""

    VISIT = "visit"  # 一次外省市考察
    SECONDMENT = "secondment"  # 一次挂职锻炼
    RESEARCH = "research"  # 一个调研课题
    INNOVATION = "innovation"  # 一个创新项目


class FollowUpStatus(enum.StrEnum):
    """Where a talk's follow-up item stands."""

    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"
