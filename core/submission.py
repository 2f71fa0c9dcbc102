"""One record per submitted form, however often the browser sends it.

A double click, a reload that re-POSTs, or a request retried after a timeout or a crash would
otherwise record a consent, a disclosure, a referral or a meeting twice — and a second consent
or referral is not harmless: it is shown, counted and notified as a second decision. Each such
form carries a one-time key made when it is rendered (`core.forms.SubmissionKeyField`); the
record stores it in a unique column (`submission_key_field`), and the service creating it
returns the record already made with that key instead of making another. The unique constraint
decides between two requests arriving at the same moment, so this holds across processes, and
after a crash between commit and response the retried request finds what was committed.

A missing key (None) means no protection: API clients and old tabs are not refused.
"""

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _


def submission_key_field() -> Any:
    """The column that remembers which rendered form made a record (None for records made otherwise)."""
    return models.UUIDField(
        _("submission key"),
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text=_("Made when the form was shown, so that sending it twice records it once."),
    )


def previously_submitted[M: models.Model](queryset: models.QuerySet[M], submission_key: UUID | None) -> M | None:
    """The record made from this submission already, if any (`queryset` limits where it may be, e.g. the case)."""
    if submission_key is None:
        return None
    return queryset.filter(submission_key=submission_key).first()


def create_once[M: models.Model](
    queryset: models.QuerySet[M], submission_key: UUID | None, create: Callable[[], M]
) -> tuple[M, bool]:
    """`create()` (which stores `submission_key`), or the record another request made with the same key first.

    Returns the record and whether it is new; call it inside the service's transaction, and skip the
    service's other effects (events, notifications) when it is not new. `create` runs in a savepoint,
    so losing the race leaves the outer transaction usable.
    """
    if (earlier := previously_submitted(queryset, submission_key)) is not None:
        return earlier, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        if (earlier := previously_submitted(queryset, submission_key)) is None:
            raise  # another constraint, or the key was used elsewhere: not ours to hide
        return earlier, False
