"""Factories for fictional test data. Every name and address here is invented."""

import base64
from typing import Any

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP

from accounts.models import User
from accounts.totp import totp_code
from cases.models import Case
from organisations.models import Membership, Municipality, Organisation

PASSWORD = "correct-horse-battery-staple"


def totp_secret_of(user: User) -> str:
    """The authenticator secret UserFactory enrolled for this user."""
    return base64.b32encode(f"secret-of-{user.email}"[:20].ljust(20, "x").encode()).decode()


def current_code_of(user: User) -> str:
    return totp_code(totp_secret_of(user))


class MunicipalityFactory(factory.django.DjangoModelFactory[Municipality]):
    class Meta:
        model = Municipality
        django_get_or_create = ("number",)

    # Numbers 9000–9999 wrap around: a test never makes a thousand, and PostgreSQL enforces the four digits.
    number = factory.Sequence(lambda n: f"{9000 + n % 1000:04d}")
    name = factory.Sequence(lambda n: f"Testkommune {n}")
    case_prefix = factory.Sequence(lambda n: f"T{n % 100:02d}")
    police_district = "Test politidistrikt"


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Testorganisasjon {n}")
    kind = Organisation.Kind.NGO_PROJECT
    owner_type = Organisation.OwnerType.PRIVATE
    municipality = factory.SubFactory(MunicipalityFactory)


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A user with a password and, unless `totp=False`, an enrolled authenticator app."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@test.vern.invalid")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Bruker{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def totp(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
        if extracted is not False:
            TOTP.activate(self, totp_secret_of(self))  # type: ignore[arg-type]
            RecoveryCodes.activate(self)


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.CASEWORKER


class CaseFactory(factory.django.DjangoModelFactory[Case]):
    """A case with a pseudonym code only; no field groups, so no personal data at all."""

    class Meta:
        model = Case

    code = factory.Sequence(lambda n: f"TST-2026-{n:04d}")
    owner = factory.SubFactory(OrganisationFactory)
    municipality = factory.LazyAttribute(lambda case: case.owner.municipality)
