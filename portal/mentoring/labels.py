"""Labels of the mentoring and talk vocabularies, registered with the `label` filter.

They live here so this package owns its words; importing the module adds them to
``portal.labels.LABELS`` (the views import it, so every template can use ``| label``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.enums import ConcernArea, FollowUpStatus, GrowthKind, MentoringTopic
from portal.labels import LABELS

MENTORING_LABELS = {
    MentoringTopic.MASS_WORK: _l("Working with residents"),
    MentoringTopic.MOBILISATION: _l("Organising and mobilising"),
    MentoringTopic.LAW: _l("Acting according to law"),
    MentoringTopic.MEDIATION: _l("Dispute mediation"),
    MentoringTopic.EMERGENCY: _l("Emergency response"),
    MentoringTopic.COORDINATION: _l("Coordination and communication"),
    MentoringTopic.IT: _l("Using information technology"),
    MentoringTopic.POLICY: _l("Policies and regulations"),
    MentoringTopic.OTHER: _l("Other topic"),
    ConcernArea.WORK: _l("Work"),
    ConcernArea.LIFE: _l("Daily life"),
    ConcernArea.HEALTH: _l("Health"),
    ConcernArea.FAMILY: _l("Family"),
    ConcernArea.CAREER: _l("Career development"),
    GrowthKind.VISIT: _l("One study visit to another province or city"),
    GrowthKind.SECONDMENT: _l("One secondment for practice"),
    GrowthKind.RESEARCH: _l("One research topic"),
    GrowthKind.INNOVATION: _l("One innovation project"),
    FollowUpStatus.OPEN: _l("In progress"),
    FollowUpStatus.DONE: _l("Completed"),
    FollowUpStatus.DROPPED: _l("Dropped"),
}

LABELS.update(MENTORING_LABELS)
