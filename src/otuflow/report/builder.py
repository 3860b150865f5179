"""Build the single-file HTML report: contents, sections with figures and tables, methods.

The report is one self-contained file that can be copied or e-mailed alone: figures are embedded
as base64 PNG, tables rendered inline and escaped (long ones truncated), CSS inline, and nothing
is loaded from the network or from disk (no scripts, no fonts, no CDN). Files of the results
folder (full tables, SVG figures) are named by their path relative to the report, as text, never
as links that would break once the report is copied elsewhere.
"""

from __future__ import annotations

import base64
import html
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import pandas as pd

from otuflow.atomic import atomic_path
from otuflow.plots._style import PNG_DPI
from otuflow.report._css import CSS
from otuflow.report.tables import dataframe_to_html
from otuflow.tsv import read_tsv

DEFAULT_MAX_ROWS = 50


class ReportInputError(ValueError):
    """A report input (figure, table) is missing or unreadable; the message names it."""


@dataclass(frozen=True)
class FigureRef:
    """A figure of a section.

    Attributes
    ----------
    path : str or path-like
        The PNG, relative to the report's folder (an absolute path is made relative to it).
    caption : str
        Plain text (escaped).
    svg : bool, path-like or None
        The SVG version to link: a path (relative to the report's folder, or absolute), True
        (the SVG beside the PNG), False (none) or None (the one beside the PNG, if it exists).
    """

    path: str | os.PathLike
    caption: str = ""
    svg: bool | str | os.PathLike | None = None


@dataclass(frozen=True)
class TableRef:
    """A table of a section.

    Attributes
    ----------
    title : str
        Heading (escaped).
    data : pandas.DataFrame or path-like
        The table, or a TSV file (relative to the report's folder, or absolute) read with a header.
    caption : str
        Plain text (escaped).
    max_rows : int or None
        Rows shown inline; the rest is left out with a note and a link to the TSV.
    link : str or path-like, optional
        TSV to link for the full table; default ``data`` when it is a path.
    """

    title: str
    data: pd.DataFrame | str | os.PathLike
    caption: str = ""
    max_rows: int | None = DEFAULT_MAX_ROWS
    link: str | os.PathLike | None = None


@dataclass(frozen=True)
class Section:
    """One report section (an entry of the table of contents).

    Attributes
    ----------
    title : str
        Heading (escaped).
    intro : str
        Text above the figures: plain text (escaped; blank lines separate paragraphs) or, if it
        starts with ``<``, trusted HTML inserted as is. Never put data-derived text into the
        HTML form without ``html.escape``.
    figures : sequence of FigureRef or (path, caption)
    tables : sequence of TableRef or (title, data, caption[, max_rows])
    files : sequence of path-like
        Further files to link at the end of the section (relative to the report's folder, or
        absolute), shown by file name.
    """

    title: str
    intro: str = ""
    figures: Sequence[FigureRef | tuple] = field(default_factory=tuple)
    tables: Sequence[TableRef | tuple] = field(default_factory=tuple)
    files: Sequence[str | os.PathLike] = field(default_factory=tuple)


def _as_figure(f) -> FigureRef:
    return f if isinstance(f, FigureRef) else FigureRef(*f)


def _as_table(t) -> TableRef:
    return t if isinstance(t, TableRef) else TableRef(*t)


def _rel(path: str | os.PathLike, root: Path) -> PurePosixPath:
    """``path`` relative to ``root`` (the report's folder), with forward slashes."""
    p = Path(path)
    if p.is_absolute():
        p = Path(os.path.relpath(p, root.resolve()))
    return PurePosixPath(p.as_posix())


def _on_disk(rel: PurePosixPath, root: Path) -> Path:
    """The file a link relative to ``root`` points to (``root`` need not exist yet)."""
    return Path(os.path.normpath(root.resolve() / rel))


def _url(rel: PurePosixPath) -> str:
    return html.escape(quote(str(rel), safe="/"), quote=True)


def _file_name(rel: PurePosixPath) -> str:
    """A file of the results folder, named by its path relative to the report (not a link)."""
    return f"<code>{html.escape(str(rel))}</code>"


#: CSS pixels per inch of figure: 1.5 times the printed size (96 px/in), so a 3.5 in figure is
#: 504 px wide and its 7-8 pt labels read on screen; a 7.2 in one fills the page width.
CSS_DPI = 144

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_width(data: bytes) -> int | None:
    """Pixel width of a PNG from its IHDR chunk (the first, by the PNG standard); None if not a
    PNG."""
    if data[:8] != _PNG_SIGNATURE or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big")


def _img_attributes(rel: PurePosixPath, root: Path) -> str:
    """``src`` (the PNG as a base64 data URI) and ``width`` (:data:`CSS_DPI` CSS pixels per inch
    of a figure saved at otuflow's :data:`~otuflow.plots._style.PNG_DPI`) of an image; only the
    relative URL if the file is missing."""
    path = _on_disk(rel, root)
    if not path.is_file():
        return f'src="{_url(rel)}"'
    data = path.read_bytes()
    attributes = 'src="data:image/png;base64,' + base64.b64encode(data).decode("ascii") + '"'
    width = _png_width(data)
    if width:
        attributes += f' width="{round(width * CSS_DPI / PNG_DPI)}"'
    return attributes


def _paragraphs(text: str) -> str:
    """Plain text -> escaped ``<p>`` paragraphs (blank lines separate them)."""
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n".join(f"<p>{html.escape(p)}</p>" for p in paras)


def _text_block(text: str) -> str:
    """Plain text -> escaped paragraphs; text starting with ``<`` is trusted HTML."""
    text = text.strip()
    return text if text.startswith("<") else _paragraphs(text)


class _Ids:
    """Unique, readable anchor ids from titles."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, title: str) -> str:
        base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "section"
        ident, k = base, 2
        while ident in self.seen:
            ident, k = f"{base}-{k}", k + 1
        self.seen.add(ident)
        return ident


def _linked(path: str | os.PathLike, root: Path, check_files: bool, what: str) -> PurePosixPath:
    """``path`` relative to ``root``; with ``check_files``, fail unless the file exists."""
    rel = _rel(path, root)
    target = _on_disk(rel, root)
    if check_files and not target.is_file():
        raise ReportInputError(
            f"report {what} {str(path)!r} not found at {target}; build it first or fix the "
            "path (relative to the report's folder)"
        )
    return rel


def _figure_html(fig: FigureRef, number: int, root: Path, check_files: bool) -> str:
    rel = _linked(fig.path, root, check_files, "figure")
    if fig.svg is None or isinstance(fig.svg, bool):
        svg_rel = rel.with_suffix(".svg")
        has_svg = fig.svg if fig.svg is not None else _on_disk(svg_rel, root).is_file()
    else:
        svg_rel, has_svg = _linked(fig.svg, root, check_files, "figure"), True
    caption = html.escape(fig.caption)
    img = f'<img {_img_attributes(rel, root)} alt="Figure {number}. {caption}">'
    files = _file_name(rel) + (f", {_file_name(svg_rel)}" if has_svg else "")
    return (f"<figure>\n{img}\n<figcaption><span class=\"label\">Figure {number}.</span> "
            f'{caption} <span class="files">({files})</span></figcaption>\n</figure>')


def _table_html(tab: TableRef, number: int, root: Path, check_files: bool) -> str:
    link = tab.link
    if isinstance(tab.data, pd.DataFrame):
        df = tab.data
    else:
        rel = _rel(tab.data, root)
        path = _on_disk(rel, root)
        try:
            df = read_tsv(path)
        except (OSError, ValueError) as exc:
            raise ReportInputError(
                f"report table {tab.title!r}: cannot read TSV {path}: {exc}"
            ) from exc
        link = link if link is not None else tab.data
    if tab.max_rows is not None and tab.max_rows < 1:
        raise ReportInputError(f"report table {tab.title!r}: max_rows must be >= 1 or None")
    table, hidden = dataframe_to_html(df, tab.max_rows)
    parts = [f"<h3>Table {number}. {html.escape(tab.title)}</h3>",
             f'<div class="table-wrap">\n{table}\n</div>']
    link_html = ""
    if link is not None:
        rel_link = _linked(link, root, check_files, f"table {tab.title!r}: linked TSV")
        link_html = _file_name(rel_link)
    if hidden:
        note = f"Showing the first {len(df) - hidden:,} of {len(df):,} rows"
        note += f"; full table: {link_html} in the results folder." if link_html else "."
        parts.append(f'<p class="truncated">{note}</p>')
    elif link_html:
        parts.append(f'<p class="truncated">As TSV: {link_html}</p>')
    if tab.caption:
        parts.append(f'<p class="caption">{html.escape(tab.caption)}</p>')
    return "\n".join(parts)


def render_report(
    sections: Sequence[Section],
    root: str | os.PathLike = ".",
    title: str = "otuflow report",
    subtitle: str = "",
    methods: str | None = None,
    versions: Mapping[str, str] | None = None,
    check_files: bool = True,
) -> str:
    """The report's HTML text; see :func:`build_report` (``root`` = the report's folder)."""
    root = Path(root)
    ids = _Ids()
    toc, body = [], []
    n_fig = n_tab = 0
    for sec in sections:
        ident = ids(sec.title)
        toc.append(f'<li><a href="#{ident}">{html.escape(sec.title)}</a></li>')
        parts = [f'<section id="{ident}">', f"<h2>{html.escape(sec.title)}</h2>"]
        if sec.intro:
            parts.append(_text_block(sec.intro))
        for f in sec.figures:
            n_fig += 1
            parts.append(_figure_html(_as_figure(f), n_fig, root, check_files))
        for t in sec.tables:
            n_tab += 1
            parts.append(_table_html(_as_table(t), n_tab, root, check_files))
        if sec.files:
            links = [_linked(f, root, check_files, "file") for f in sec.files]
            parts.append('<p class="files">Files in the results folder: '
                         + ", ".join(_file_name(rel) for rel in links) + "</p>")
        parts.append("</section>")
        body.append("\n".join(parts))
    if methods or versions:
        ident = ids("Methods")
        toc.append(f'<li><a href="#{ident}">Methods</a></li>')
        parts = [f'<section id="{ident}" class="methods">', "<h2>Methods</h2>"]
        if methods:
            # Methods come from the config and tool output: always escaped, never HTML.
            parts.append(_paragraphs(methods))
        if versions:
            vt = pd.DataFrame({"software": list(versions), "version": list(versions.values())})
            table, _ = dataframe_to_html(vt)
            parts.append("<h3>Software versions</h3>")
            parts.append(f'<div class="table-wrap">\n{table}\n</div>')
        parts.append("</section>")
        body.append("\n".join(parts))
    sub = f'<p class="subtitle">{html.escape(subtitle)}</p>' if subtitle else ""
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        f"<header>\n<h1>{html.escape(title)}</h1>\n{sub}\n</header>",
        '<nav class="toc">\n<h2>Contents</h2>\n<ol>\n' + "\n".join(toc) + "\n</ol>\n</nav>",
        "<main>",
        "\n".join(body),
        "</main>",
        "</body>",
        "</html>",
        "",
    ])


def build_report(
    out_html: str | os.PathLike,
    sections: Sequence[Section],
    title: str = "otuflow report",
    subtitle: str = "",
    methods: str | None = None,
    versions: Mapping[str, str] | None = None,
    check_files: bool = True,
) -> Path:
    """Write the HTML report.

    Parameters
    ----------
    out_html : path-like
        Report file; figure and TSV paths are relative to its folder.
    sections : sequence of Section
        In order; each gets an entry in the table of contents. Figures and tables are numbered
        through the report.
    title, subtitle : str
        Page heading (escaped).
    methods : str, optional
        Methods text, e.g. from :func:`otuflow.report.methods.methods_text`; always escaped,
        blank lines separate paragraphs.
    versions : mapping, optional
        Software -> version, e.g. from :func:`otuflow.software.read_versions`, shown under
        Methods.
    check_files : bool
        Fail when a linked figure or TSV does not exist.

    Returns
    -------
    pathlib.Path
        ``out_html``. The same inputs give the same bytes (no timestamps).

    Raises
    ------
    ReportInputError
        A figure or TSV is missing or unreadable.
    """
    out = Path(out_html)
    text = render_report(sections, out.parent, title, subtitle, methods, versions, check_files)
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return out
