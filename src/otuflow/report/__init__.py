"""The HTML report: sections of figures and tables, methods text and software versions.

:func:`otuflow.report.assemble.write_workflow_report` writes a run's report from the files the
run plan declares for it; software versions come from :mod:`otuflow.software`.
"""

from otuflow.report.builder import (
    FigureRef,
    ReportInputError,
    Section,
    TableRef,
    build_report,
    render_report,
)
from otuflow.report.methods import methods_text

__all__ = [
    "FigureRef",
    "ReportInputError",
    "Section",
    "TableRef",
    "build_report",
    "methods_text",
    "render_report",
]
