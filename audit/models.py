from collections.abc import Iterable
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models.base import ModelBase
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken
from cases.models import Case
from organisations.models import Organisation

# The previous hash of the very first entry: the chain has to start somewhere fixed.
GENESIS_HASH = "0" * 64
# The primary key of ChainHead's only row.
HEAD_PK = 1
REASON_MAX_LENGTH = 500
# How an entry's hash is made (audit.services._hash_of): 1 = unkeyed SHA-256, the entries written before the
# key existed; 2 = HMAC-SHA256 under VERN_AUDIT_KEY, also covering the search hits and the API token.
UNKEYED_HASH = 1
KEYED_HASH = 2


class AppendOnlyError(Exception):
    """Someone tried to change or delete an access log entry; the log only grows."""

    def __init__(self, what: str) -> None:
        super().__init__(f"The access log is append-only: {what} is not allowed. Record a new entry instead.")


class AccessEntryQuerySet(models.QuerySet["AccessEntry"]):
    """Refuses bulk changes, which would bypass `AccessEntry.save()` and `.delete()`."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("updating entries")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("deleting entries")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        # Entries are chained one at a time by audit.services.record_access.
        raise AppendOnlyError("creating entries in bulk")


class AccessEntry(models.Model):
    """One read or disclosure of personal data, linked into a tamper-evident hash chain.

    Normen (Norm for informasjonssikkerhet og personvern, see shared LAW.md) asks
    for access by need (tjenstlig behov), a log of every access, regular review of
    that log, and the data subject's right to see who has accessed their data
    (factsheet 15). Traffickers look for people who escaped, so a look that
    leaves no trace must not be possible: this table is append-only through the
    application, and each row carries an HMAC, under a key kept outside the
    database, of its content and of the row before it (`audit.services.record_access`,
    checked by `verify_audit_log` against signed checkpoints outside the database).
    Rows hold codes and ids only, no personal data: a search records how many
    cases it found, never what was searched for.

    Most entries are about one case. A search by identity and the creation or
    revocation of an API token are about none (`case` is empty): they say what a
    user did, not whose data was read, so per-person views leave them out.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        EDIT = "edit", _("Edited")
        EXPORT = "export", _("Exported")
        API = "api", _("Read through the API")
        BREAK_THE_GLASS = "break_the_glass", _("Opened by breaking the glass")
        DISCLOSURE = "disclosure", _("Disclosed")
        PRINT = "print", _("Printed")
        # Who in an organisation works on the case, and so reads it as assigned: no data is read.
        ASSIGNMENT = "assignment", _("Assignment changed")
        # Progress entries (cases.models.ProgressEntry): the groups they are about, never their text.
        PROGRESS_READ = "progress_read", _("Read progress entries")
        PROGRESS_WRITTEN = "progress_written", _("Wrote a progress entry")
        # About no case: a search by name or date of birth (how many cases it found), and API tokens.
        SEARCH = "search", _("Searched by identity")
        TOKEN_CREATED = "token_created", _("Created an API token")
        TOKEN_REVOKED = "token_revoked", _("Revoked an API token")
        # About no case either: who was invited to become a member, by whom, and who joined through an invitation.
        INVITATION_SENT = "invitation_sent", _("Sent an invitation to become a member")
        INVITATION_WITHDRAWN = "invitation_withdrawn", _("Withdrew an invitation to become a member")
        INVITATION_ACCEPTED = "invitation_accepted", _("Became a member by accepting an invitation")

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, null=True, related_name="access_entries"
    )
    field_groups = models.JSONField(_("field groups"), default=list)  # cases.models.FieldGroup codes
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    # A justification for breaking the glass or disclosing; it should need no personal data.
    reason = models.CharField(_("reason"), max_length=REASON_MAX_LENGTH, blank=True)
    # Whether the user was assigned to the case at the time; review flags unassigned access.
    assigned = models.BooleanField(_("assigned to the case"), default=False)
    # How many cases a search found; empty for everything else.
    hits = models.PositiveIntegerField(_("hits"), null=True)
    # The token an API read went through, or the token created or revoked. No database constraint: a token goes
    # when its membership is removed, and the log must neither stop that nor lose the entry.
    api_token = models.ForeignKey(
        ApiToken,
        verbose_name=_("API token"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    hash_version = models.PositiveSmallIntegerField(default=KEYED_HASH)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AccessEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log entries")
        ordering = ["-at", "-sequence"]
        indexes = [
            models.Index(fields=["case", "-at"], name="access_case_recent"),
            models.Index(fields=["organisation", "-at"], name="access_organisation_recent"),
            models.Index(fields=["user", "-at"], name="access_user_recent"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.case_id}"

    def save(
        self,
        *,
        force_insert: bool | tuple[ModelBase, ...] = False,
        force_update: bool = False,
        using: str | None = None,
        update_fields: Iterable[str] | None = None,
    ) -> None:
        if not self._state.adding or force_update or update_fields is not None:
            raise AppendOnlyError("changing an entry")
        # Always an INSERT: a hand-made instance with an existing pk must fail, not overwrite.
        super().save(force_insert=True, using=using)

    def delete(self, using: Any = None, keep_parents: bool = False) -> NoReturn:
        raise AppendOnlyError("deleting an entry")


class ChainHead(models.Model):
    """The sequence and hash of the newest access log entry, in a single row (pk 1).

    A hash chain alone cannot tell that its newest entries were cut off; this row,
    updated in the same transaction as every new entry, can.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=HEAD_PK)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("access log chain head")
        verbose_name_plural = _("access log chain head")
        constraints = [models.CheckConstraint(condition=models.Q(id=HEAD_PK), name="audit_chain_head_single_row")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.hash}"
