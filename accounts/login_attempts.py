"""Delays for wrong passwords that slow a guesser down but cannot be turned against a user (issue 15, hole 7).

A hard lock-out is a denial of service: anyone who knows an e-mail address can
lock its account, and the failures of a few people behind one office address
lock the whole office. Instead, every log-in attempt is counted in three places
(`LoginAttempts` rows):

- **the account at this address**: after `LOGIN_FREE_FAILURES` failures in a row,
  each further attempt from here waits a delay that doubles with every failure,
  up to `LOGIN_MAX_DELAY_FROM_ADDRESS_SECONDS` (15 minutes). This is the strong
  limit, and it slows only the address that failed;
- **the account from every address**: the same growing delay, but capped at
  `LOGIN_MAX_DELAY_FOR_ACCOUNT_SECONDS` (1 minute), against guessers spread over
  many addresses. It does not apply to an address the account logged in from
  within `LOGIN_KNOWN_ADDRESS_DAYS`, so a guesser elsewhere never slows the real
  user at their usual desk. At a new address each try waits a minute at most —
  a guesser who keeps trying can keep that up, which is the price of slowing
  guessers who spread over many addresses, and the user and admins are told;
- **the address, whatever the account**: `LOGIN_FAILURES_PER_ADDRESS_PER_HOUR`
  failures (300), high enough for an office behind one NAT address.

An attempt is counted as failed *before* the password is checked and taken back
when it was right, under a row lock, so that parallel guesses wait for each
other instead of slipping through one delay together. A refused attempt is not
checked and not counted: the refusal says when to try again, never whether the
password was right. A success resets the account's delays (the address keeps its
count, so a guesser cannot reset it with an account of their own).

After `LOGIN_WARN_AFTER_FAILURES_PER_DAY` failed log-ins to an account within 24
hours (wrong TOTP codes count too: they mean the password is known), its user and
the admins of its organisations get one e-mail, at most once a day — no address,
no password, and the reminder that the account is not locked.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import LoginAttempts, User
from core.crypto import blind_index
from organisations.models import Membership

logger = logging.getLogger(__name__)

Scope = LoginAttempts.Scope
# The address limit counts per hour; the warning per day.
WINDOWS: dict[str, timedelta] = {
    Scope.ADDRESS: timedelta(hours=1),
    Scope.ACCOUNT: timedelta(days=1),
    Scope.ACCOUNT_AT_ADDRESS: timedelta(days=1),
}
WARNING_INTERVAL = timedelta(days=1)


class LoginDelayed(Exception):
    """The attempt must wait until `until`; it was neither checked nor counted."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"log-in delayed until {until.isoformat()}")
        self.until = until


@dataclass(frozen=True)
class Attempt:
    """One log-in attempt, known by the keyed hashes of the e-mail address typed and the client's address."""

    account: str
    address: str
    account_at_address: str

    @classmethod
    def of(cls, *, email: str, address: str) -> "Attempt":
        return cls(
            account=_key(email),
            address=_key("", address),
            account_at_address=_key(email, address),
        )

    def keys(self) -> dict[str, str]:
        # Always locked in this order, so that two attempts never wait for each other's rows crosswise.
        return {
            Scope.ADDRESS: self.address,
            Scope.ACCOUNT: self.account,
            Scope.ACCOUNT_AT_ADDRESS: self.account_at_address,
        }


def _key(*parts: str) -> str:
    # Keyed, so that the table cannot be searched for a known e-mail or IP address.
    return blind_index("\x00".join(parts), purpose="login-attempts")


def delay_after(failures_in_a_row: int, *, cap_seconds: int) -> timedelta:
    """How long the next attempt waits after this many failures in a row: 0, …, 0, 2, 4, 8 … seconds, capped."""
    beyond_free = failures_in_a_row - settings.LOGIN_FREE_FAILURES
    if beyond_free < 0:
        return timedelta(0)
    seconds = settings.LOGIN_FIRST_DELAY_SECONDS * 2 ** min(beyond_free, 30)
    return timedelta(seconds=min(seconds, cap_seconds))


def _waits_until(row: LoginAttempts, *, cap_seconds: int, now: datetime) -> datetime | None:
    if row.last_failure_at is None:
        return None
    until = row.last_failure_at + delay_after(row.failures_in_a_row, cap_seconds=cap_seconds)
    return until if until > now else None


def _address_limit_until(row: LoginAttempts, *, now: datetime) -> datetime | None:
    if row.window_started_at is None or now - row.window_started_at >= WINDOWS[Scope.ADDRESS]:
        return None
    if row.failures_in_window < settings.LOGIN_FAILURES_PER_ADDRESS_PER_HOUR:
        return None
    return row.window_started_at + WINDOWS[Scope.ADDRESS]


def _is_usual_address(row: LoginAttempts, *, now: datetime) -> bool:
    return row.last_success_at is not None and now - row.last_success_at < timedelta(
        days=settings.LOGIN_KNOWN_ADDRESS_DAYS
    )


def _count_failure(row: LoginAttempts, *, now: datetime, in_a_row: bool = True) -> None:
    if row.window_started_at is None or now - row.window_started_at >= WINDOWS[row.scope]:
        row.window_started_at, row.failures_in_window = now, 0
    row.failures_in_window += 1
    if in_a_row:
        row.failures_in_a_row += 1
        row.last_failure_at = now
    row.save()


@transaction.atomic
def begin_attempt(*, email: str, address: str) -> Attempt:
    """Let an attempt check its password, counted as failed until `attempt_succeeded`; or raise LoginDelayed."""
    now = timezone.now()
    attempt = Attempt.of(email=email, address=address)
    rows = {
        scope: LoginAttempts.objects.select_for_update().get_or_create(scope=scope, key=key)[0]
        for scope, key in attempt.keys().items()
    }
    waits = [
        _address_limit_until(rows[Scope.ADDRESS], now=now),
        _waits_until(
            rows[Scope.ACCOUNT_AT_ADDRESS], cap_seconds=settings.LOGIN_MAX_DELAY_FROM_ADDRESS_SECONDS, now=now
        ),
    ]
    if not _is_usual_address(rows[Scope.ACCOUNT_AT_ADDRESS], now=now):
        waits.append(
            _waits_until(rows[Scope.ACCOUNT], cap_seconds=settings.LOGIN_MAX_DELAY_FOR_ACCOUNT_SECONDS, now=now)
        )
    until = max((wait for wait in waits if wait is not None), default=None)
    if until is not None:
        raise LoginDelayed(until)
    for row in rows.values():
        # An address is limited by its failures in the hour only, not by a run of them.
        _count_failure(row, now=now, in_a_row=row.scope != Scope.ADDRESS)
    return attempt


@transaction.atomic
def attempt_succeeded(attempt: Attempt) -> None:
    """The password was right: take the attempt back, end the account's delays, remember the address as usual."""
    now = timezone.now()
    LoginAttempts.objects.filter(scope=Scope.ACCOUNT_AT_ADDRESS, key=attempt.account_at_address).update(
        failures_in_a_row=0, last_success_at=now, updated_at=now
    )
    LoginAttempts.objects.filter(scope=Scope.ACCOUNT, key=attempt.account).update(failures_in_a_row=0, updated_at=now)
    LoginAttempts.objects.filter(
        Q(scope=Scope.ACCOUNT, key=attempt.account) | Q(scope=Scope.ADDRESS, key=attempt.address),
        failures_in_window__gt=0,
    ).update(failures_in_window=F("failures_in_window") - 1, updated_at=now)
    forget_old_attempts(now=now)


def forget_old_attempts(*, now: datetime) -> int:
    """Delete the counts no rule looks at any more; run at each successful log-in (an indexed range, mostly empty).

    The longest look-back is the usual address, `LOGIN_KNOWN_ADDRESS_DAYS`; the rest need a day at most.
    """
    kept_for = max(timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS), WARNING_INTERVAL)
    deleted, _by_model = LoginAttempts.objects.filter(updated_at__lt=now - kept_for).delete()
    return deleted


def attempt_failed(*, email: str) -> None:
    """The password was wrong (already counted): warn the user and the admins if it happens too often."""
    _warn_if_repeated(email=email)


@transaction.atomic
def totp_failed(*, user: User) -> None:
    """A wrong TOTP code after a right password: counted towards the warning (allauth limits the codes)."""
    row, _created = LoginAttempts.objects.select_for_update().get_or_create(scope=Scope.ACCOUNT, key=_key(user.email))
    _count_failure(row, now=timezone.now(), in_a_row=False)
    _warn_if_repeated(email=user.email)


def _warn_if_repeated(*, email: str) -> None:
    now = timezone.now()
    # One conditional UPDATE decides, so that parallel failures send one warning, not several.
    claimed = LoginAttempts.objects.filter(
        Q(warned_at__isnull=True) | Q(warned_at__lte=now - WARNING_INTERVAL),
        scope=Scope.ACCOUNT,
        key=_key(email),
        window_started_at__gt=now - WINDOWS[Scope.ACCOUNT],
        failures_in_window__gte=settings.LOGIN_WARN_AFTER_FAILURES_PER_DAY,
    ).update(warned_at=now)
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first() if claimed else None
    if user is not None:
        failures = LoginAttempts.objects.get(scope=Scope.ACCOUNT, key=_key(email)).failures_in_window
        transaction.on_commit(lambda: _send_warning(email=email, user=user, failures=failures, at=now))


def _send_warning(*, email: str, user: User, failures: int, at: datetime) -> None:
    try:
        warn_of_repeated_failures(user=user, failures=failures, at=at)
    except (SMTPException, OSError) as error:
        # The log-in page must not fail for it, and the next failure tries again; the error may name addresses.
        logger.warning("The warning about repeated failed log-ins was not sent: %s.", type(error).__name__)
        LoginAttempts.objects.filter(scope=Scope.ACCOUNT, key=_key(email), warned_at=at).update(warned_at=None)


def warn_of_repeated_failures(*, user: User, failures: int, at: datetime) -> None:
    """E-mail the user and the admins of their organisations: how many failures and when, nothing else."""
    # In Vern's language: the request that set this off may be the guesser's, in any language.
    with translation.override(settings.LANGUAGE_CODE):
        time = date_format(timezone.localtime(at), "DATETIME_FORMAT")
        security_link = f"{settings.SITE_URL}{reverse('accounts:security')}"
        send_mail(
            subject=_("[Vern] Failed log-ins to your account"),
            message=_(
                "There have been %(failures)d failed attempts to log in to your Vern account within 24 hours, "
                "the latest on %(time)s.\n\n"
                "Your account is not locked: you can log in as usual. If it was you, you need do nothing. "
                "If it was not you, someone may be trying to guess your password. Choose a new, long password "
                "that you use nowhere else, and tell your organisation's admin: %(link)s\n\n"
                "Vern sends at most one such message a day."
            )
            % {"failures": failures, "time": time, "link": security_link},
            from_email=None,
            recipient_list=[user.email],
        )
        admins = (
            Membership.objects.filter(
                organisation__memberships__user=user,
                role__in=[Membership.Role.ORG_ADMIN],
                user__is_active=True,
            )
            .exclude(user=user)
            .select_related("user", "organisation")
        )
        for admin in admins:
            send_mail(
                subject=_("[Vern] Failed log-ins to a member's account"),
                message=_(
                    "There have been %(failures)d failed attempts to log in to the Vern account of %(member)s, "
                    "a member of %(organisation)s, within 24 hours, the latest on %(time)s.\n\n"
                    "The account is not locked, and the member has been told by e-mail. If the member did not "
                    "make the attempts, someone may be trying to guess their password: make sure they choose a "
                    "new one."
                )
                % {"failures": failures, "member": user, "organisation": admin.organisation, "time": time},
                from_email=None,
                recipient_list=[admin.user.email],
            )
