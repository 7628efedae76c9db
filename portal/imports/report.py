"""What an import would do, or did: created, updated, unchanged, and every error.

The preview page, the result page and the CLI all show this one report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.imports.templates import KIND_LABELS, Kind


@dataclass(frozen=True)
class RowError:
    """A problem of one row (and one column, when a cell is at fault)."""

    row: int
    column: str | None
    message: str

    @property
    def text(self) -> str:
        """Return the message as a clerk reads it: "第 12 行：…"."""
        return _("Row %(row)d: %(problem)s", row=self.row, problem=self.message)


@dataclass(frozen=True)
class FieldChange:
    """One value that changes: column header, old value, new value (as shown)."""

    column: str
    old: str
    new: str


@dataclass(frozen=True)
class Change:
    """A record the import creates or updates."""

    row: int
    subject: str
    fields: tuple[FieldChange, ...] = ()


@dataclass
class ImportReport:
    """The outcome of checking (and perhaps committing) one file."""

    kind: Kind
    filename: str
    rows: int = 0
    created: list[Change] = field(default_factory=list)
    updated: list[Change] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    problem: str | None = None  # the file as a whole was refused
    committed: bool = False
    logins_created: int = 0

    @property
    def ok(self) -> bool:
        """Return whether the file may be committed."""
        return self.problem is None and not self.errors

    @property
    def changes(self) -> int:
        """Return how many records would be (or were) created or updated."""
        return len(self.created) + len(self.updated)

    @property
    def error_rows(self) -> int:
        """Return how many rows have at least one error."""
        return len({error.row for error in self.errors})

    def sort(self) -> None:
        """Order errors and changes by row, as the clerk reads the file."""
        self.errors.sort(key=lambda error: error.row)
        self.created.sort(key=lambda change: change.row)
        self.updated.sort(key=lambda change: change.row)


def summary(report: ImportReport) -> str:
    """Return the one-line summary of a report."""
    if report.problem:
        return report.problem
    counts = {
        "created": len(report.created),
        "updated": len(report.updated),
        "unchanged": report.unchanged,
    }
    if report.committed:
        return _(
            "Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
            **counts,
        )
    if report.errors:
        return _(
            "%(errors)d errors in %(rows)d rows: nothing has been imported. "
            "Correct the file and upload it again.",
            errors=len(report.errors),
            rows=report.error_rows,
        )
    return _(
        "Ready to import: %(created)d to create, %(updated)d to update, %(unchanged)d unchanged.",
        **counts,
    )


def lines(report: ImportReport) -> list[str]:
    """Return the whole report as text lines (the CLI prints these)."""
    out = [f"{KIND_LABELS[report.kind]} · {report.filename}", summary(report)]
    if report.problem:
        return out
    out.append(_("Rows read: %(rows)d", rows=report.rows))
    for error in report.errors:
        out.append("  " + error.text)
    for title, changes in ((_("Created"), report.created), (_("Updated"), report.updated)):
        for change in changes:
            details = "；".join(f"{f.column}: {f.old} → {f.new}" for f in change.fields)
            row = _("Row %(row)d", row=change.row)
            out.append(
                f"  {title} · {row} · {change.subject}" + (f" · {details}" if details else "")
            )
    if report.logins_created:
        out.append(
            ngettext(
                "%(count)d new login cannot sign in yet: issue the worker a one-time password "
                "from their page when you hand over the login.",
                "%(count)d new logins cannot sign in yet: issue each worker a one-time password "
                "from their page when you hand over the login.",
                report.logins_created,
                count=report.logins_created,
            )
        )
    return out
