"""The flags with the reads behind them, as a table for CSV and XLSX (the statistics' writers)."""

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from disclosure.exports import ResultRow, ResultTable
from log_review.services import OSLO, Flag

EXPORT_FORMATS = ("csv", "xlsx")


def flags_table(flags: list[Flag], *, title: str) -> ResultTable:
    """A line per read: the flag it stands behind, who, which case (by code), when, what, and the conclusion."""
    rows = []
    for flag in flags:
        outcome = flag.reviewed.get_outcome_display() if flag.reviewed else ""
        note = flag.reviewed.note if flag.reviewed else ""
        for read in flag.reads:
            at = formats.date_format(timezone.localtime(read.at, OSLO), "SHORT_DATETIME_FORMAT")
            user = flag.user.get_full_name() if flag.user else ""
            rows.append(ResultRow(str(flag.kind.label), (user, read.case_code, at, read.action_label, outcome, note)))
    return ResultTable(
        title=title,
        row_heading=_("What"),
        columns=(_("Member"), _("Case"), _("When"), _("Action"), _("Outcome"), _("Note")),
        rows=tuple(rows),
    )
