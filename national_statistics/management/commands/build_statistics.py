from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from national_statistics.services import StatisticsError, refresh_year


class Command(BaseCommand):
    help = "Rebuild a year's statistics records from the cases in Vern and link them with the files added."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--year", type=int, action="append", help="the year (repeat for several; default: this year)"
        )

    def handle(self, *args: Any, year: list[int] | None, **options: Any) -> None:
        for one_year in year or [timezone.localdate().year]:
            try:
                linkage = refresh_year(one_year)
            except StatisticsError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(
                f"{one_year}: {linkage.records} records, {linkage.persons} persons, "
                f"{linkage.compared} pairs compared, {linkage.seconds:.1f} s"
            )
