from django import template

from disclosure.suppression import PublishedRow, PublishedTable
from national_statistics.access import is_national_statistician
from national_statistics.charts import Chart, chart
from organisations.models import Membership

register = template.Library()


@register.filter(name="is_national_statistician")
def is_national_statistician_filter(membership: Membership) -> bool:
    """For the main menu."""
    return is_national_statistician(membership)


@register.filter(name="chart")
def chart_filter(table: PublishedTable) -> Chart:
    return chart(table)


@register.filter
def shown_values(table: PublishedTable, row: PublishedRow) -> tuple[int | None, ...]:
    return table.shown_values(row)
