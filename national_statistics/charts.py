"""Bar charts of published tables, drawn as SVG on the server.

A chart shows the row totals of a published table — already suppressed, so a
chart cannot show more than its table — and always stands next to that table,
which is the accessible version of it (WCAG 1.1.1). Suppressed rows get no bar
and the marker instead of a number. SVG attributes, not inline styles, keep the
page within the content security policy.
"""

from dataclasses import dataclass

from disclosure.suppression import MARKER, PublishedTable

LABEL_WIDTH = 260  # SVG units: the labels, then the bars, then the numbers
BAR_AREA = 280  # the longest bar
ROW_HEIGHT = 28
CHART_WIDTH = LABEL_WIDTH + BAR_AREA + 60


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None
    length: float  # SVG units
    y: int  # the top of the row

    @property
    def shown(self) -> str:
        return MARKER if self.value is None else f"{self.value}"

    @property
    def value_x(self) -> float:
        return LABEL_WIDTH + self.length + 6

    @property
    def text_y(self) -> int:
        return self.y + ROW_HEIGHT // 2 + 5

    @property
    def bar_y(self) -> int:
        return self.y + 4


def bars(table: PublishedTable) -> list[Bar]:
    """One bar per row that is not a subtotal or the total, sized by the row's total."""
    rows = [row for row in table.rows if row.kind == "row"]
    values = [row.values[-1] for row in rows]
    largest = max((value for value in values if value), default=0)
    return [
        Bar(
            label=str(row.label),
            value=value,
            length=round(BAR_AREA * value / largest, 1) if value and largest else 0.0,
            y=number * ROW_HEIGHT,
        )
        for number, (row, value) in enumerate(zip(rows, values, strict=True))
    ]


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    height: int
    width: int = CHART_WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = ROW_HEIGHT - 8


def chart(table: PublishedTable) -> Chart:
    chart_bars = bars(table)
    return Chart(bars=chart_bars, height=ROW_HEIGHT * len(chart_bars))
