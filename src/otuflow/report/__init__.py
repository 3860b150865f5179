"""The HTML report: sections of figures and tables, methods text and software versions."""

from otuflow.report.builder import (
    FigureRef,
    ReportInputError,
    Section,
    TableRef,
    build_report,
    render_report,
)
from otuflow.report.methods import methods_text
from otuflow.report.versions import collect_tool_versions, read_versions, write_versions

__all__ = [
    "FigureRef",
    "ReportInputError",
    "Section",
    "TableRef",
    "build_report",
    "collect_tool_versions",
    "methods_text",
    "read_versions",
    "render_report",
    "write_versions",
]
