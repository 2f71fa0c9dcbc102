"""Fictional, deterministic demo data: organisations of every kind in Oslo and Bergen,
national bodies, users for every role, all with TOTP enrolled, cases
(demo/cases.py: a dozen for the demo, about 1,000 per unit of --scale from 2 on)
and, for the demo, national statistics of the last two years (demo/statistics.py).

Nobody here is a real person: names are drawn from lists of common Norwegian
first and last names, e-mail addresses end in the reserved `.invalid` domain.
"""

import base64
import random
from dataclasses import dataclass, field
from datetime import date, time

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import User
from chain.catalogue import load_templates
from demo.cases import SeededCases, seed_cases
from demo.statistics import SeededStatistics, seed_statistics
from national_statistics.services import StatisticsError
from organisations.models import Membership, Municipality, Organisation

Kind = Organisation.Kind
Owner = Organisation.OwnerType
Role = Membership.Role

EMAIL_DOMAIN = "demo.vern.invalid"

FIRST_NAMES = [
    "Kari", "Ola", "Ingrid", "Lars", "Nora", "Jonas", "Sofie", "Henrik", "Emma", "Magnus",
    "Ida", "Sindre", "Maja", "Eirik", "Thea", "Sander", "Hanne", "Amir", "Leah", "Tobias",
]  # fmt: skip
LAST_NAMES = [
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
    "Jensen", "Karlsen", "Berg", "Haugen", "Hagen", "Dahl", "Lunde", "Solberg", "Moe", "Strand",
]  # fmt: skip

# (municipality number, name, case code prefix, police district)
CITIES = [("0301", "Oslo", "OSL", "Oslo politidistrikt"), ("4601", "Bergen", "BGO", "Vest politidistrikt")]

# Local organisations each demo city has: (kind, owner, name pattern, roles of its users)
LOCAL_ORGANISATIONS = [
    (Kind.NAV_OFFICE, Owner.MUNICIPAL, "NAV {city}", [Role.ORG_ADMIN, Role.CASEWORKER, Role.COORDINATOR]),
    (Kind.CHILD_WELFARE, Owner.MUNICIPAL, "Barneverntjenesten i {city}", [Role.ORG_ADMIN, Role.CASEWORKER]),
    (Kind.CHILD_WELFARE_OUT_OF_HOURS, Owner.MUNICIPAL, "Barnevernvakten i {city}", [Role.ORG_ADMIN, Role.CASEWORKER]),
    (Kind.BUFETAT, Owner.STATE, "Bufetat, region {city}", [Role.ORG_ADMIN, Role.CASEWORKER]),
    (Kind.POLICE_DISTRICT, Owner.STATE, "{police}", [Role.ORG_ADMIN, Role.CASEWORKER]),
    (Kind.TOT_COORDINATOR, Owner.MUNICIPAL, "TOT-koordinator {city}", [Role.ORG_ADMIN, Role.COORDINATOR]),
    (Kind.LOW_THRESHOLD_SERVICE, Owner.MUNICIPAL, "Lavterskeltilbudet i {city}", [Role.ORG_ADMIN, Role.CASEWORKER]),
    (Kind.NGO_PROJECT, Owner.PRIVATE, "Trygg havn {city}", [Role.ORG_ADMIN, Role.CASEWORKER]),
    (Kind.SHELTER, Owner.PRIVATE, "Krisesenteret i {city}", [Role.ORG_ADMIN, Role.CASEWORKER]),
    (Kind.STREET_OUTREACH, Owner.MUNICIPAL, "Uteteamet i {city}", [Role.ORG_ADMIN, Role.CASEWORKER]),
    (Kind.LAWYER, Owner.PRIVATE, "Advokatkontoret Fjord, {city}", [Role.ORG_ADMIN, Role.CASEWORKER]),
    (Kind.RECEPTION_CENTRE, Owner.STATE, "Asylmottaket i {city}", [Role.ORG_ADMIN, Role.CASEWORKER]),
    (Kind.INTERPRETER_SERVICE, Owner.MUNICIPAL, "Tolketjenesten i {city}", [Role.ORG_ADMIN, Role.CASEWORKER]),
    (Kind.SCHOOL, Owner.MUNICIPAL, "Mottaksskolen i {city}", [Role.ORG_ADMIN, Role.CASEWORKER]),
    (Kind.GUARDIAN, Owner.PRIVATE, "Vergene for mindreårige i {city}", [Role.ORG_ADMIN, Role.CASEWORKER]),
]
NATIONAL_ORGANISATIONS = [
    (Kind.UDI, Owner.STATE, "Utlendingsdirektoratet (demo)", [Role.ORG_ADMIN, Role.CASEWORKER]),
    (
        Kind.NATIONAL_COORDINATION,
        Owner.STATE,
        "Nasjonal koordineringsenhet (demo)",
        [Role.ORG_ADMIN, Role.STATISTICIAN, Role.SYSTEM_ADMIN],
    ),
]

# The organisations whose day is not the office's 07–18 on weekdays (organisations.Organisation's default):
# the log review asks about reads outside each organisation's own hours.
WORKING_HOURS: dict[str, dict[str, object]] = {
    Kind.STREET_OUTREACH: {"works_from": time(20, 0), "works_until": time(4, 0), "works_weekends": True},
    Kind.CHILD_WELFARE_OUT_OF_HOURS: {"works_from": time(15, 30), "works_until": time(8, 0), "works_weekends": True},
    Kind.POLICE_DISTRICT: {"works_around_the_clock": True},
    Kind.SHELTER: {"works_around_the_clock": True},
    Kind.RECEPTION_CENTRE: {"works_around_the_clock": True},
}

SLUGS = {
    Kind.NAV_OFFICE: "nav",
    Kind.CHILD_WELFARE: "barnevern",
    Kind.CHILD_WELFARE_OUT_OF_HOURS: "barnevernvakt",
    Kind.BUFETAT: "bufetat",
    Kind.POLICE_DISTRICT: "politi",
    Kind.TOT_COORDINATOR: "tot",
    Kind.LOW_THRESHOLD_SERVICE: "lavterskel",
    Kind.NGO_PROJECT: "ngo",
    Kind.SHELTER: "krisesenter",
    Kind.STREET_OUTREACH: "uteteam",
    Kind.LAWYER: "advokat",
    Kind.UDI: "udi",
    Kind.RECEPTION_CENTRE: "mottak",
    Kind.INTERPRETER_SERVICE: "tolk",
    Kind.SCHOOL: "skole",
    Kind.GUARDIAN: "verge",
    Kind.NATIONAL_COORDINATION: "kom",
}
ROLE_SLUGS = {
    Role.CASEWORKER: "saksbehandler",
    Role.COORDINATOR: "koordinator",
    Role.ORG_ADMIN: "admin",
    Role.STATISTICIAN: "statistiker",
    Role.SYSTEM_ADMIN: "systemadmin",
    Role.DATA_PROTECTION_OFFICER: "personvernombud",
}


@dataclass(frozen=True)
class DemoLogin:
    email: str
    organisation: str
    role: str
    totp_secret: str


@dataclass(frozen=True)
class DemoResult:
    password: str
    logins: list[DemoLogin]
    organisations: int
    users: int
    cases: SeededCases = field(default_factory=SeededCases)
    statistics: SeededStatistics | None = None  # None: not built (scale > 1)


def _totp_secret(rng: random.Random) -> str:
    return base64.b32encode(rng.randbytes(20)).decode("ascii")


def _demo_password(rng: random.Random) -> str:
    words = ["fjord", "vern", "trygg", "bro", "lys", "havn", "stien", "varde"]
    return "-".join(rng.sample(words, 3)) + f"-{rng.randint(10, 99)}"


class DemoSeeder:
    def __init__(self, *, seed: int, scale: int, today: date | None = None) -> None:
        # Deterministic fictional demo data; not used for anything secret.
        self.rng = random.Random(seed)  # nosec B311
        self.seed = seed
        # Cases draw from their own generator, so the users stay what they were before cases existed.
        self.case_rng = random.Random(f"vern-demo-cases-{seed}")  # nosec B311
        self.scale = scale
        self.today = today
        self.password = _demo_password(self.rng)
        self.password_hash = make_password(self.password)
        self.logins: list[DemoLogin] = []
        self.users = 0
        self.statistician: User | None = None  # the national coordination unit's, who adds the statistics files

    def run(self) -> DemoResult:
        with transaction.atomic():
            cities = [self._municipality(number, name, prefix, police) for number, name, prefix, police in CITIES]
            cities += [
                self._municipality(f"9{i:03d}", f"Demokommune {i}", f"D{i:02d}", f"Demo politidistrikt {i % 12}")
                for i in range(1, self.scale)
            ]
            organisations = 0
            reviewed_by_officer: list[Organisation] = []
            for index, municipality in enumerate(cities):
                for kind, owner, pattern, roles in LOCAL_ORGANISATIONS:
                    name = pattern.format(city=municipality.name, police=municipality.police_district)
                    organisation = self._organisation(name, kind, owner, municipality)
                    # Only the two real demo cities get printed log-ins; scaled ones grow volume.
                    self._staff(organisation, roles, city_slug=municipality.name.lower(), printed=index < len(CITIES))
                    organisations += 1
                    if index == 0 and kind == Kind.TOT_COORDINATOR:
                        reviewed_by_officer.append(organisation)
            for kind, owner, name, roles in NATIONAL_ORGANISATIONS:
                organisation = self._organisation(name, kind, owner, None)
                self._staff(organisation, roles, city_slug="nasjonal", printed=True)
                organisations += 1
            # Oslo's TOT coordinator has a data protection officer for the log review. Made last, so that every
            # other demo user keeps the name and TOTP secret the seed gave them before the role existed.
            for organisation in reviewed_by_officer:
                self._staff(organisation, [Role.DATA_PROTECTION_OFFICER], city_slug="oslo", printed=True)
            load_templates(apps.get_model)
        cases = seed_cases(
            rng=self.case_rng,
            scale=self.scale,
            municipalities=cities,
            first_names=FIRST_NAMES,
            last_names=LAST_NAMES,
            today=self.today,
        )
        # National statistics for the demo only. At scale 100 building and linking the two years took 4.5 minutes
        # (more than the cases), and the volume's people, drawn from 360 name combinations, are namesakes so often
        # that the linkage joined 100,083 records into 1,616 persons: the figures would mean nothing.
        statistics = self._statistics() if self.scale == 1 else None
        return DemoResult(self.password, self.logins, organisations, self.users, cases, statistics)

    def _statistics(self) -> SeededStatistics:
        try:
            return seed_statistics(seed=self.seed, today=self.today, user=self.statistician)
        except StatisticsError as error:  # no linkage key configured: the rest of the demo works without
            return SeededStatistics(not_built=str(error))

    def _municipality(self, number: str, name: str, prefix: str, police: str) -> Municipality:
        municipality, _ = Municipality.objects.update_or_create(
            number=number, defaults={"name": name, "case_prefix": prefix, "police_district": police}
        )
        return municipality

    def _organisation(self, name: str, kind: str, owner: str, municipality: Municipality | None) -> Organisation:
        organisation, _ = Organisation.objects.update_or_create(
            name=name,
            municipality=municipality,
            defaults={"kind": kind, "owner_type": owner, "is_active": True, **WORKING_HOURS.get(kind, {})},
        )
        return organisation

    def _staff(self, organisation: Organisation, roles: list[Role], *, city_slug: str, printed: bool) -> None:
        for role in roles:
            slug = city_slug.replace(" ", "")
            email = f"{slug}.{SLUGS[Kind(organisation.kind)]}.{ROLE_SLUGS[role]}@{EMAIL_DOMAIN}"
            secret = _totp_secret(self.rng)
            user = self._user(email, secret, is_system_admin=role == Role.SYSTEM_ADMIN)
            Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
            self.users += 1
            if role == Role.STATISTICIAN and organisation.kind == Kind.NATIONAL_COORDINATION:
                self.statistician = user
            if printed:
                self.logins.append(DemoLogin(email, organisation.name, str(role.label), secret))

    def _user(self, email: str, secret: str, *, is_system_admin: bool) -> User:
        user, created = User.objects.update_or_create(
            email=email,
            defaults={
                "first_name": self.rng.choice(FIRST_NAMES),
                "last_name": self.rng.choice(LAST_NAMES),
                "password": self.password_hash,
                "is_staff": is_system_admin,
                "is_superuser": is_system_admin,
            },
        )
        if created:
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        Authenticator.objects.filter(user=user).delete()
        TOTP.activate(user, secret)
        RecoveryCodes.activate(user)
        return user


def seed_demo(*, seed: int = 2026, scale: int = 1, today: date | None = None) -> DemoResult:
    """Organisations, users and cases; `today` (default: today) is the day the case history ends before."""
    return DemoSeeder(seed=seed, scale=scale, today=today).run()
