"""What readers want that the article does not say: the questions it abstained on, or whose
answers readers down-voted, grouped by topic (grouping.py), as JSON and Markdown (report.py)
and as a bar chart (plot.py)."""

from assistant.gaps.grouping import GAP_DISTANCE, build_gap_report
from assistant.gaps.plot import plot_gap_report
from assistant.gaps.report import GapGroup, GapReport

__all__ = ["GAP_DISTANCE", "GapGroup", "GapReport", "build_gap_report", "plot_gap_report"]
