"""The "What readers miss" tab: a Refresh button, the gap report (ui/gap_view.py renders it)
and a bar plot of the topics' sizes."""

from __future__ import annotations

import logging
from collections.abc import Callable

import gradio as gr

from assistant.gaps import GapReport
from assistant.server.errors import stack_without_messages
from ui.gap_view import bar_axis_top, gap_sizes, render_gap_report
from ui.render import render_error

__all__ = ["gaps_tab"]

log = logging.getLogger("ui")


def _gap_panel(gaps: Callable[[], GapReport]) -> Callable[[], tuple[str, dict]]:
    """The Refresh button: the report, and its bar plot when there are bars to compare."""

    def refresh() -> tuple[str, dict]:
        try:
            report = gaps()
        except Exception as error:  # not ready, or the store failing: said in the tab
            log.error("the gap report failed (%s)\n%s", type(error).__name__, stack_without_messages(error))
            message = "Sorry, the report could not be built (is the assistant ready?). Please try again later."
            return render_error(message), gr.update(visible=False)
        sizes = gap_sizes(report)
        plot = gr.update(value=sizes, visible=len(sizes) > 1, y_lim=[0, bar_axis_top(sizes)])
        return render_gap_report(report), plot

    return refresh


def gaps_tab(gaps: Callable[[], GapReport]) -> None:
    """The tab's components and events, inside the current tab."""
    gr.Markdown(
        "Questions the article could not answer, or whose answers readers voted down, grouped by "
        "topic: what to write about next."
    )
    refresh = gr.Button("Refresh", elem_id="gaps-refresh", size="sm")
    report = gr.HTML(elem_id="gaps-report")
    sizes = gr.BarPlot(
        gap_sizes(None), x="topic", y="questions", sort="-y", elem_id="gaps-plot",
        label="Questions per topic", x_label_angle=-30, visible=False,  # until there are bars
    )
    refresh.click(_gap_panel(gaps), None, [report, sizes], api_name=False)
