from datetime import time

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Municipality(models.Model):
    """A Norwegian municipality (kommune), identified by its four-digit number.

    Municipalities carry the duty to assist presumed victims (Social Services
    Act § 1, see shared LAW.md) and configure their own chain of actors.
    """

    number = models.CharField(_("municipality number"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=100)
    case_prefix = models.CharField(
        _("case code prefix"), max_length=3, unique=True, help_text=_("Three letters that start case codes, e.g. OSL.")
    )
    police_district = models.CharField(_("police district"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A state agency, municipal service or private organisation taking part in the chain.

    The owner type decides the confidentiality regime that applies to it (public
    bodies share under a legal basis, private bodies on consent).
    """

    class OwnerType(models.TextChoices):
        STATE = "state", _("State")
        MUNICIPAL = "municipal", _("Municipal")
        PRIVATE = "private", _("Private")

    class Kind(models.TextChoices):
        NAV_OFFICE = "nav_office", _("NAV office")
        CHILD_WELFARE = "child_welfare", _("Child welfare service")
        CHILD_WELFARE_OUT_OF_HOURS = "child_welfare_out_of_hours", _("Out-of-hours child welfare service")
        BUFETAT = "bufetat", _("Bufetat (state child welfare)")
        POLICE_DISTRICT = "police_district", _("Police district")
        UDI = "udi", _("Directorate of Immigration (UDI)")
        RECEPTION_CENTRE = "reception_centre", _("Asylum reception centre")
        NATIONAL_COORDINATION = "national_coordination", _("National coordination unit")
        TOT_COORDINATOR = "tot_coordinator", _("TOT coordinator")
        LOW_THRESHOLD_SERVICE = "low_threshold_service", _("Low-threshold service")
        NGO_PROJECT = "ngo_project", _("NGO project")
        SHELTER = "shelter", _("Shelter / ROSA")
        STREET_OUTREACH = "street_outreach", _("Street outreach")
        LAWYER = "lawyer", _("Lawyer")
        # Providers of single rights (the rights catalogue's `provided_by`) and the guardian of a child.
        INTERPRETER_SERVICE = "interpreter_service", _("Interpreter service")
        SCHOOL = "school", _("School")
        GUARDIAN = "guardian", _("Guardian (verge)")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    owner_type = models.CharField(_("owner type"), max_length=20, choices=OwnerType.choices)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        help_text=_("Empty for national bodies."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # The organisation's own working hours (Europe/Oslo): the log review asks about reads outside them, so a
    # night outreach service that works at night sets its night, not the office day.
    works_around_the_clock = models.BooleanField(
        _("works around the clock"), default=False, help_text=_("No read is outside working hours.")
    )
    works_from = models.TimeField(_("working day starts"), default=time(7, 0))
    works_until = models.TimeField(
        _("working day ends"),
        default=time(18, 0),
        help_text=_("Earlier than the start for a night shift: 20:00 to 04:00 runs past midnight."),
    )
    works_weekends = models.BooleanField(_("works on Saturdays and Sundays"), default=False)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "municipality"], name="unique_organisation_name_per_municipality"),
        ]

    def __str__(self) -> str:
        return self.name

    def works_at(self, local_moment: time, *, weekday: int) -> bool:
        """Whether `local_moment` (Europe/Oslo) on `weekday` (0 = Monday) falls within the working hours.

        A night shift (until earlier than from) belongs to the day it starts on: Friday 22:00–04:00 covers the
        small hours of Saturday even without weekends.
        """
        if self.works_around_the_clock:
            return True
        if self.works_from <= self.works_until:
            return (self.works_weekends or weekday < 5) and self.works_from <= local_moment < self.works_until
        if local_moment >= self.works_from:
            return self.works_weekends or weekday < 5
        started_on = (weekday - 1) % 7
        return local_moment < self.works_until and (self.works_weekends or started_on < 5)


class Membership(models.Model):
    """A user's role in one organisation; a user acts in one membership at a time."""

    class Role(models.TextChoices):
        CASEWORKER = "caseworker", _("Caseworker")
        COORDINATOR = "coordinator", _("Coordinator")
        ORG_ADMIN = "org_admin", _("Organisation admin")
        # Reviews the access log and who has seen the organisation's cases (Normen), reads no case content.
        DATA_PROTECTION_OFFICER = "dpo", _("Data protection officer")
        STATISTICIAN = "statistician", _("Statistician")
        SYSTEM_ADMIN = "system_admin", _("System admin")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="unique_membership_per_organisation"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"

    @property
    def is_org_admin(self) -> bool:
        return self.role in (self.Role.ORG_ADMIN, self.Role.SYSTEM_ADMIN)

    @property
    def works_on_cases(self) -> bool:
        """Statisticians count and data protection officers review the log: neither reads nor writes a case."""
        return self.role not in (self.Role.STATISTICIAN, self.Role.DATA_PROTECTION_OFFICER)

    @property
    def reviews_access_log(self) -> bool:
        """The data protection officer and the organisation's admins review the log and who has seen a case."""
        return self.is_org_admin or self.role == self.Role.DATA_PROTECTION_OFFICER


# The roles that neither read nor write a case (Membership.works_on_cases), for queries over members.
ROLES_WITHOUT_CASE_WORK = (Membership.Role.STATISTICIAN, Membership.Role.DATA_PROTECTION_OFFICER)
# The roles that review the access log (Membership.reviews_access_log), for queries over members.
LOG_REVIEWING_ROLES = (Membership.Role.ORG_ADMIN, Membership.Role.SYSTEM_ADMIN, Membership.Role.DATA_PROTECTION_OFFICER)


def _roles(*roles: str) -> frozenset[str]:
    return frozenset({Membership.Role.ORG_ADMIN, Membership.Role.DATA_PROTECTION_OFFICER, *roles})


_CASE_WORK = (Membership.Role.CASEWORKER,)
_CASE_WORK_AND_COORDINATION = (Membership.Role.CASEWORKER, Membership.Role.COORDINATOR)
# The roles an organisation of each kind may give its members (system admins are appointed outside this table).
# Every organisation has admins and may have a data protection officer (public bodies must, GDPR art. 37). The
# national coordination unit has no role in individual cases, so its only other role is the statistician (the
# national statistics are its task, national_statistics.access). Coordinators coordinate the chain around a case:
# the municipality's coordinator (in NAV or a TOT coordinator), child welfare for children and the police
# district's trafficking coordinator; the other kinds do their own part of a case as caseworkers.
ROLES_BY_KIND: dict[str, frozenset[str]] = {
    Organisation.Kind.NAV_OFFICE: _roles(*_CASE_WORK_AND_COORDINATION),
    Organisation.Kind.CHILD_WELFARE: _roles(*_CASE_WORK_AND_COORDINATION),
    Organisation.Kind.CHILD_WELFARE_OUT_OF_HOURS: _roles(*_CASE_WORK),
    Organisation.Kind.BUFETAT: _roles(*_CASE_WORK),
    Organisation.Kind.POLICE_DISTRICT: _roles(*_CASE_WORK_AND_COORDINATION),
    Organisation.Kind.UDI: _roles(*_CASE_WORK),
    Organisation.Kind.RECEPTION_CENTRE: _roles(*_CASE_WORK),
    Organisation.Kind.NATIONAL_COORDINATION: _roles(Membership.Role.STATISTICIAN),
    Organisation.Kind.TOT_COORDINATOR: _roles(*_CASE_WORK_AND_COORDINATION),
    Organisation.Kind.LOW_THRESHOLD_SERVICE: _roles(*_CASE_WORK),
    Organisation.Kind.NGO_PROJECT: _roles(*_CASE_WORK),
    Organisation.Kind.SHELTER: _roles(*_CASE_WORK),
    Organisation.Kind.STREET_OUTREACH: _roles(*_CASE_WORK),
    Organisation.Kind.LAWYER: _roles(*_CASE_WORK),
    Organisation.Kind.INTERPRETER_SERVICE: _roles(*_CASE_WORK),
    Organisation.Kind.SCHOOL: _roles(*_CASE_WORK),
    Organisation.Kind.GUARDIAN: _roles(*_CASE_WORK),
}


def assignable_roles(organisation: Organisation) -> list[tuple[str, str]]:
    """The roles an admin may give in `organisation`, as choices in the order of Membership.Role, labels in the
    active language."""
    offered = ROLES_BY_KIND[organisation.kind]
    return [(value, str(label)) for value, label in Membership.Role.choices if value in offered]


class Invitation(models.Model):
    """An admin's invitation to take a role in the organisation, accepted through a link sent by e-mail.

    Only the SHA-256 hash of the link's token is stored (organisations.invitations), so neither the database nor a
    log can open it. A re-sent invitation gets a new token, and the old link stops working. Accepting is separate
    from how the invitee proves who they are (today a new password, or logging in to an existing account), so that
    a national log-in can accept invitations later without another kind of invitation.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(_("role"), max_length=20, choices=Membership.Role.choices)
    # Stored as accounts.User stores it: the address in lower case, which the membership's user will have.
    email = models.EmailField(_("e-mail address"))
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    invited_by = models.ForeignKey(
        Membership,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="invitations_sent",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    times_sent = models.PositiveSmallIntegerField(_("times sent"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=models.Q(accepted_at__isnull=True, withdrawn_at__isnull=True),
                name="one_open_invitation_per_organisation_and_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_pending(self) -> bool:
        """Neither accepted nor withdrawn; it may still have expired, which the admin can re-send."""
        return self.accepted_at is None and self.withdrawn_at is None

    @property
    def can_be_accepted(self) -> bool:
        return self.is_pending and not self.is_expired
