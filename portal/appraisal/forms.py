"""Forms of the appraisal grid: one small form per worker row, and the publish button."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Optional, ValidationError

from portal.appraisal.operations import ResultData
from portal.enums import AppraisalResult
from portal.web.forms import ChoiceField, PortalForm, at_most, parse_tenths, vocabulary_choices

MAX_SCORE = Decimal(100)


def parse_score(text: str | None) -> Decimal | None:
    """Return a score 0–100 with at most one decimal; None for blank; ValueError if not."""
    return parse_tenths(text, maximum=MAX_SCORE)


class ResultRowForm(PortalForm):
    """A worker's result for the year: 优秀 / 合格 / 基本合格 / 不合格, score, comment."""

    result = ChoiceField(
        _l("Result"),
        validate_choice=True,
        invalid_choice_message=_l("Choose a result from the list."),
    )
    score = StringField(
        _l("Score"),
        validators=[Optional()],
        render_kw={"inputmode": "decimal", "autocomplete": "off", "maxlength": 5},
    )
    comment = StringField(
        _l("Comment"),
        validators=[at_most(500)],
        render_kw={"maxlength": 500, "autocomplete": "off"},
    )
    reason = StringField(
        _l("Reason for changing the result"),
        validators=[at_most(200)],
        render_kw={"maxlength": 200, "autocomplete": "off"},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.result.choices = [("", "—"), *vocabulary_choices(AppraisalResult)]

    def validate_score(self, field) -> None:
        """Accept 0 to 100 with at most one decimal (e.g. 92.5)."""
        try:
            parse_score(field.data)
        except ValueError as error:
            raise ValidationError(
                _l("Enter the score as a number from 0 to 100, with one decimal at most.")
            ) from error

    def validate_result(self, field) -> None:
        """Refuse a score or comment without a result."""
        if not field.data and (
            (self.score.data or "").strip() or (self.comment.data or "").strip()
        ):
            raise ValidationError(_l("Choose a result to go with the score or comment."))

    def result_data(self) -> ResultData:
        """Return the row's cleaned values."""
        return ResultData(
            result=AppraisalResult(self.result.data) if self.result.data else None,
            score=parse_score(self.score.data),
            comment=(self.comment.data or "").strip() or None,
        )

    @property
    def reason_text(self) -> str | None:
        """Return the reason typed, or None."""
        return (self.reason.data or "").strip() or None


class PublishForm(PortalForm):
    """Publish the year's results: a button with the CSRF token."""
