from typing import Any

from django import template

from disclosure.exports import ExportTable
from disclosure.suppression import PublishedTable
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
def shown_values(table: ExportTable, row: Any) -> tuple[Any, ...]:
    """A published or result table's values of one row, as shown."""
    return table.shown_values(row)
