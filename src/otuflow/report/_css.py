"""The report's stylesheet, kept in Python so it ships with the package without package data."""

CSS = """
:root { --ink: #1d1d1f; --muted: #5f6368; --rule: #d9d9de; --accent: #0072B2; --band: #f6f6f8; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 15px/1.55 -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; }
header, main, nav.toc { max-width: 1040px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; border-bottom: 1px solid var(--rule); }
header h1 { margin: 0 0 6px; font-size: 1.7em; }
header p.subtitle { margin: 0 0 18px; color: var(--muted); }
nav.toc { margin-top: 18px; }
nav.toc h2 { font-size: 1em; text-transform: uppercase; letter-spacing: .06em;
             color: var(--muted); }
nav.toc ol { margin: 0; padding-left: 1.4em; columns: 2; column-gap: 40px; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
section { margin: 34px 0; padding-top: 8px; border-top: 1px solid var(--rule); }
section h2 { font-size: 1.35em; margin: 10px 0 8px; }
section h3 { font-size: 1.05em; margin: 22px 0 6px; }
figure { margin: 18px 0 26px; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--rule);
             border-radius: 3px; }
figcaption, p.caption { color: var(--muted); font-size: .9em; margin-top: 6px; }
figcaption .label, p.caption .label { color: var(--ink); font-weight: 600; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: .86em; margin: 6px 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--rule); text-align: left;
         vertical-align: top; white-space: nowrap; }
thead th { border-bottom: 2px solid var(--ink); }
tbody tr:nth-child(even) { background: var(--band); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
p.truncated, p.files { font-size: .86em; color: var(--muted); }
.methods p { max-width: 80ch; }
a { color: var(--accent); }
@media print { nav.toc { display: none; } section { break-inside: avoid-page; } }
"""
