"""Answer charts: bars for a table, paired bars for a comparison, a line for a trend."""

from __future__ import annotations

from bot.views.charts import answer_png
from workflows.core.periods import FiscalCalendar, Month, Period
from workflows.questions.answer import Answer, Row
from workflows.questions.query import Query

Q3 = FiscalCalendar(1).quarter_of(Month(2026, 7))
Q2 = FiscalCalendar(1).quarter_of(Month(2026, 4))
PNG = b"\x89PNG\r\n\x1a\n"


def test_a_comparison_draws_each_group_beside_the_earlier_period() -> None:
    query = Query(measure="spend", period=Q3, group_by="department", compare_to=Q2)
    answer = Answer(query=query, value=9_000_000_000, compare_value=8_000_000_000)
    answer.rows = [
        Row("Support", 6_000_000_000, extra=5_000_000_000),
        Row("Legal", 3_000_000_000, extra=0),
    ]
    plain = Answer(query=Query(measure="spend", period=Q3, group_by="department"))
    plain.rows = [Row("Support", 6_000_000_000), Row("Legal", 3_000_000_000)]
    paired, single = answer_png(answer), answer_png(plain)
    assert paired and single and paired.startswith(PNG) and single.startswith(PNG)
    assert paired != single  # the earlier period's bars and the legend are drawn


def test_a_trend_is_a_line_and_nothing_to_draw_is_none() -> None:
    query = Query(measure="spend", period=Period.month(Month(2026, 9)))
    trend = Answer(query=query, value=1)
    trend.trend = [(Month(2026, m), m * 1_000_000) for m in range(4, 10)]
    assert (answer_png(trend) or b"").startswith(PNG)
    assert answer_png(Answer(query=query)) is None
