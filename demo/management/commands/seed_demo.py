from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.identification import seed_identification
from demo.seeding import seed_demo


class Command(BaseCommand):
    help = "Create fictional demo organisations and users (deterministic for a given --seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="Random seed; the same seed gives the same data.")
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="1 = Oslo and Bergen with a dozen cases; N adds N-1 demo municipalities and about N × 1,000 cases "
            "with ten timeline and access-log entries each (at most 100: the demo municipalities' case "
            "prefixes run from D01 to D99).",
        )
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the demo log-ins.")

    def handle(self, *args: object, seed: int, scale: int, quiet_logins: bool, **options: object) -> None:
        if not 1 <= scale <= 100:
            raise CommandError("--scale must be between 1 and 100.")
        result = seed_demo(seed=seed, scale=scale)
        self.stdout.write(f"Demo data: {result.organisations} organisations, {result.users} users.")
        cases = result.cases
        if cases.cases:
            self.stdout.write(
                f"Demo cases: {cases.cases} cases ({cases.twins} of a person another organisation registered "
                f"too), {cases.events} timeline events, {cases.access_entries} access log entries."
            )
            self.stdout.write(
                f"Demo chains: {cases.chains} cases on a chain, {cases.deadlines} deadlines, "
                f"{cases.referrals} referrals and hand-overs."
            )
        else:
            self.stdout.write("Demo cases: the demo municipalities already have cases; none added.")
        statistics = result.statistics
        if statistics and statistics.not_built:
            self.stdout.write(f"Demo statistics: not built. {statistics.not_built}")
        elif statistics:
            years = "; ".join(f"{y.year}: {y.records} records, {y.persons} persons" for y in statistics.years)
            self.stdout.write(
                f"Demo statistics: {years} ({statistics.files} files from outside Vern added, "
                f"{statistics.lines_left_out} lines left out)."
            )
        if scale == 1:
            identification = seed_identification(seed=seed)
            self.stdout.write(
                f"Demo identification: {identification.case_rights} case rights, "
                f"{identification.screenings} anonymous contacts."
            )
        if quiet_logins:
            return
        self.stdout.write("")
        self.stdout.write(f"Every demo user has the password: {result.password}")
        self.stdout.write("Add the TOTP secret to an authenticator app, or print a current code with:")
        self.stdout.write("  make totp EMAIL=<e-mail>   (python manage.py totp_code <e-mail>, demo mode only)")
        self.stdout.write("")
        width = max(len(login.email) for login in result.logins)
        for login in result.logins:
            self.stdout.write(f"  {login.email:<{width}}  {login.totp_secret}  {login.role}, {login.organisation}")
