"""Render a table as escaped HTML with numbers formatted for reading."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

# Column names that hold p-values or q-values (p, q, p_bonferroni, q_bh, pvalue, fdr, ...).
_PVALUE_NAME = re.compile(r"^(p|q|pval|pvalue|p_value|qval|qvalue|q_value|fdr|padj)(_.*)?$",
                          re.IGNORECASE)


#: Suffix of a boolean column marking which values of a p-value column are upper bounds (e.g.
#: Metastats' ``p_upper_bound``): those cells are shown as "< value" and the column itself is not.
UPPER_BOUND_SUFFIX = "_upper_bound"


def is_pvalue_column(name) -> bool:
    """True for columns named like ``p``, ``q``, ``p_bonferroni``, ``q_bh``, ``pvalue``, ``fdr``."""
    return bool(_PVALUE_NAME.match(str(name)))


def format_pvalue(v: float) -> str:
    """``0.012``, ``0.50``, ``3.2e-05``: three decimals, scientific below 0.001."""
    if v == 0:
        return "0"
    if abs(v) < 0.001:
        return f"{v:.1e}"
    return f"{v:.3f}"


def format_number(v: float) -> str:
    """Readable float: thousands separators above 1,000, 4 significant digits otherwise."""
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def column_decimals(values) -> int | None:
    """Decimals that show about four significant digits of a float column's largest value.

    None when every finite value is a whole number (shown as integers); 0 from 1,000 up.
    """
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    if not arr.size or np.all(arr == np.round(arr)):
        return None
    top = float(np.abs(arr).max())
    return int(min(4, max(0, 3 - np.floor(np.log10(top)))))


def format_cell(v, pvalue: bool = False, decimals: int | None = None) -> str:
    """Text of one cell (unescaped): NaN/None -> empty, integers with separators, floats rounded
    (p-values to 3 decimals or scientific; others to ``decimals``, or 4 significant digits).

    A value too small to keep two significant digits at ``decimals`` gets three significant
    digits instead (``2.3e-06``, ``0.000523``), so a nonzero value is never shown as 0.0000."""
    if v is None or (isinstance(v, float | np.floating) and np.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    if isinstance(v, float | np.floating):
        v = float(v)
        if np.isinf(v):
            return "∞" if v > 0 else "−∞"
        if pvalue:
            return format_pvalue(v)
        if decimals is not None:
            if v != 0 and abs(v) < 10.0 ** (1 - decimals):
                # Fewer than two significant digits at the column's decimals (0.0000 for a
                # variance of 2e-6): three significant digits, scientific when small.
                return f"{v:.3g}"
            return f"{v:,.{decimals}f}"
        if v.is_integer() and abs(v) < 1e15:
            return f"{int(v):,}"
        return format_number(v)
    return str(v)


def _upper_bounds(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """p-value column -> which of its rows are upper bounds (from its boolean companion column)."""
    bounds = {}
    for col in df.columns:
        flag = f"{col}{UPPER_BOUND_SUFFIX}"
        if is_pvalue_column(col) and flag in df.columns and pd.api.types.is_bool_dtype(df[flag]):
            bounds[col] = df[flag].to_numpy(dtype=bool)
    return bounds


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def dataframe_to_html(df: pd.DataFrame, max_rows: int | None = None) -> tuple[str, int]:
    """Escaped ``<table>`` of ``df`` (index shown unless it is a plain 0..n-1 range).

    Parameters
    ----------
    df : pandas.DataFrame
        Table to render; every header and cell is HTML-escaped.
    max_rows : int, optional
        Render only the first ``max_rows`` rows.

    Returns
    -------
    (str, int)
        The HTML and the number of rows left out.

    A p-value column ``p`` with a boolean column ``p_upper_bound`` shows the flagged values as
    ``< value``; the flag column itself is not shown.
    """
    show_index = not (isinstance(df.index, pd.RangeIndex) and df.index.start == 0
                      and df.index.step == 1 and df.index.name is None)
    hidden = 0
    if max_rows is not None and len(df) > max_rows:
        hidden = len(df) - max_rows
        df = df.iloc[:max_rows]
    bounds = _upper_bounds(df)
    df = df.drop(columns=[f"{col}{UPPER_BOUND_SUFFIX}" for col in bounds])
    numeric = [_is_numeric(df[c]) if not isinstance(df[c], pd.DataFrame) else False
               for c in df.columns]
    esc = html.escape
    head = []
    if show_index:
        head.append(f"<th>{esc(str(df.index.name or ''))}</th>")
    for col, num in zip(df.columns, numeric, strict=True):
        cls = ' class="num"' if num else ""
        head.append(f"<th{cls}>{esc(str(col))}</th>")
    body = []
    pcols = [is_pvalue_column(c) for c in df.columns]
    decimals = [column_decimals(df[c]) if num and pd.api.types.is_float_dtype(df[c]) and not isp
                else None for c, num, isp in zip(df.columns, numeric, pcols, strict=True)]
    flags = [bounds.get(c) for c in df.columns]
    rows = zip(df.index, df.itertuples(index=False, name=None), strict=True)
    for i, (idx, row) in enumerate(rows):
        cells = []
        if show_index:
            cells.append(f"<th>{esc(format_cell(idx))}</th>")
        for v, num, isp, dec, flag in zip(row, numeric, pcols, decimals, flags, strict=True):
            cls = ' class="num"' if num else ""
            text = format_cell(v, isp, dec)
            if flag is not None and flag[i] and text:
                text = f"< {text}"
            cells.append(f"<td{cls}>{esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    table = ("<table>\n<thead><tr>" + "".join(head) + "</tr></thead>\n<tbody>\n"
             + "\n".join(body) + "\n</tbody>\n</table>")
    return table, hidden
