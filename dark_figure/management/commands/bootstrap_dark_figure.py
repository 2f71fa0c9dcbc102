import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dark_figure import services
from dark_figure.estimation import THRESHOLD
from dark_figure.forms import default_lists
from national_statistics.report import years_with_data


class Command(BaseCommand):
    help = (
        "Compute the dark figure's bootstrap interval for each year's default lists ahead of the page "
        "(it is kept in the cache, so the page's first view does not wait for it); run after linking a year."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, action="append", help="the year (repeat for several; default: all)")

    def handle(self, *args: Any, year: list[int] | None, **options: Any) -> None:
        for one_year in year or years_with_data():
            lists = default_lists(services.kinds_in_year(one_year))
            started = time.perf_counter()
            result = services.dark_figure(one_year, lists, threshold=THRESHOLD)
            bootstrap = services.bootstrap_interval(result)
            found = (
                str(result.reason)
                if bootstrap is None
                else str(bootstrap.refusal or f"{bootstrap.lower:.0f}–{bootstrap.upper:.0f}")
            )
            self.stdout.write(
                f"{one_year}: {len(lists)} lists, {result.table.observed} persons seen; bootstrap {found}; "
                f"{time.perf_counter() - started:.1f} s"
            )
