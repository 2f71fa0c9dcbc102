from datetime import timedelta

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        if not email:
            raise ValueError("Users must have an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who works in Vern; logs in with e-mail, password and TOTP.

    Users are staff of organisations, never the people a case is about. What a
    user may do depends on their membership in the organisation they act in.
    """

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()  # type: ignore[assignment,misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class ApiToken(models.Model):
    """A key with which a program uses the API as one user acting in one organisation.

    Only the SHA-256 hash of the key is stored; the key itself is shown once, when
    the token is created. A token works only until it expires (its lifetime is
    chosen at creation, there is no "never"), while its membership exists, its
    organisation is active and it is not revoked, and it sees what its member
    would see in the HTML pages, through the same access rules.
    """

    # The lifetimes a member may choose, in days; a key that leaks dies by itself (issue 15, hole 5).
    LIFETIME_CHOICES_DAYS = (30, 90, 180, 365)
    DEFAULT_LIFETIME_DAYS = 90
    # Within this many days of its expiry a token is marked in the lists, so that a new one is made in time.
    EXPIRES_SOON_DAYS = 7

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    membership = models.ForeignKey(
        "organisations.Membership",
        verbose_name=_("membership"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is used for."))
    key_prefix = models.CharField(_("key prefix"), max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return not self.is_revoked and not self.is_expired

    @property
    def days_left(self) -> int:
        """Days until the token expires, rounded up: a new 90-day token "expires in 90 days", not 89."""
        return max(-((timezone.now() - self.expires_at) // timedelta(days=1)), 0)

    @property
    def expires_soon(self) -> bool:
        return self.is_active and self.days_left <= self.EXPIRES_SOON_DAYS


class LoginAttempts(models.Model):
    """Failed log-ins counted for one account, one address, or one account from one address.

    The delays that replace a lock-out are computed from these rows
    (accounts/login_attempts.py). The key is a keyed hash of the e-mail address
    typed and of the client's IP address, so the table holds neither. A model
    rather than the cache: a row lock makes parallel guesses wait for each
    other, so a guesser cannot slip many tries into one delay, and the counts
    survive a restart (the database cache would too, but not its locking).
    """

    class Scope(models.TextChoices):
        ACCOUNT = "account", _("account")
        ADDRESS = "address", _("address")
        ACCOUNT_AT_ADDRESS = "account_address", _("account at address")

    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    key = models.CharField(max_length=64)
    # Failures since the last successful log-in: what the delays grow with.
    failures_in_a_row = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    # Failures in the current window (an hour per address, a day per account): the address limit and the warning.
    window_started_at = models.DateTimeField(null=True, blank=True)
    failures_in_window = models.PositiveIntegerField(default=0)
    # Per account at an address: the address counts as the account's usual one for a while after this.
    last_success_at = models.DateTimeField(null=True, blank=True)
    # Per account: when its user and admins were last told about repeated failures (once a day at most).
    warned_at = models.DateTimeField(null=True, blank=True)
    # Rows untouched for longer than any rule looks back are deleted (login_attempts.forget_old_attempts).
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("failed log-ins")
        verbose_name_plural = _("failed log-ins")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="unique_login_attempts_per_scope_key")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key[:8]}…: {self.failures_in_a_row}"
