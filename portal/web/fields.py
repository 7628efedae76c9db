"""Form fields shared by every form: blank means "not given", not "malformed"."""

from __future__ import annotations

from wtforms import DateField, IntegerField


class BlankIsNone:
    """A blank input is "not given" (the required check speaks), not a malformed value."""

    def process_formdata(self, valuelist):  # noqa: D102
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class LocalDateField(BlankIsNone, DateField):
    """A date typed or picked on a phone (YYYY-MM-DD), in Asia/Shanghai terms."""


class WholeNumberField(BlankIsNone, IntegerField):
    """A whole number."""
