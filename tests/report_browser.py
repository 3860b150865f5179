"""Render the HTML report in headless Chromium as a reader would: what loaded, what the console
said, and full-page screenshots.

Used by tests/test_report_browser.py; also run by hand to look at a report, e.g. for the README
screenshot:  .venv/bin/python tests/report_browser.py results/report.html shots/
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Desktop and laptop viewport widths (CSS pixels) of the screenshots.
WIDTHS = {"desktop": 1440, "laptop": 1024}

# Appended to a copy of the report (never to the report itself): after load, record what a
# reader sees into the DOM, which --dump-dom prints.
PROBE = """
<script>
window.addEventListener("load", () => {
  const images = [...document.images];
  const doc = document.documentElement;
  const result = {
    images: images.length,
    broken: images.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt),
    sections: [...document.querySelectorAll("section > h2")].map(h => h.textContent),
    links: [...document.querySelectorAll("a[href]")].map(a => a.getAttribute("href")),
    height: doc.scrollHeight,
    overflow: doc.scrollWidth > doc.clientWidth,
  };
  const out = document.createElement("pre");
  out.id = "otuflow-probe";
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
});
</script>
"""


def chromium() -> str | None:
    """The Chromium executable, or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Rendering:
    """What headless Chromium made of a page.

    Attributes
    ----------
    images : int
        ``<img>`` elements.
    broken : list of str
        Alt texts of images that did not load.
    sections : list of str
        Section headings in order.
    links : list of str
        ``href`` of every link.
    height : int
        Page height (CSS pixels) at the rendered width.
    overflow : bool
        Whether the page is wider than the window (a horizontal scroll bar).
    console : list of str
        Console messages (errors and warnings of the page).
    """

    images: int
    broken: list[str]
    sections: list[str]
    links: list[str]
    height: int
    overflow: bool
    console: list[str]


def _chromium_command(*args: str, width: int, height: int) -> list[str]:
    exe = chromium()
    if exe is None:
        raise FileNotFoundError("chromium is not installed (Debian: apt-get install chromium)")
    return [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
            f"--window-size={width},{height}", *args]  # fmt: skip


def render(report: Path, width: int = WIDTHS["desktop"]) -> Rendering:
    """Load a copy of ``report`` alone in an empty folder (as an e-mailed file is) and probe it."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "report.html"
        text = report.read_text(encoding="utf-8")
        copy.write_text(text.replace("</body>", PROBE + "</body>", 1), encoding="utf-8")
        result = subprocess.run(
            _chromium_command("--dump-dom", copy.as_uri(), width=width, height=900),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    found = re.search(r'<pre id="otuflow-probe">(.*?)</pre>', result.stdout, re.DOTALL)
    if not found:
        raise RuntimeError(f"Chromium did not render {report}: {result.stderr[-2000:]}")
    import html

    probe = json.loads(html.unescape(found.group(1)))
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return Rendering(console=console, **probe)


def screenshot(report: Path, out_png: Path, width: int, height: int | None = None) -> Path:
    """Full-page screenshot of a copy of ``report`` alone (``height`` from :func:`render` when
    not given)."""
    height = height or render(report, width).height
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "report.html"
        shutil.copy(report, copy)
        subprocess.run(
            _chromium_command(f"--screenshot={out_png.resolve()}", copy.as_uri(), width=width,
                              height=height),
            capture_output=True, text=True, timeout=180, check=True,
        )  # fmt: skip
    return out_png


if __name__ == "__main__":
    report, folder = Path(sys.argv[1]), Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    for name, width in WIDTHS.items():
        seen = render(report, width)
        print(name, {k: v for k, v in vars(seen).items() if k != "links"})
        screenshot(report, folder / f"report_{name}.png", width, seen.height)
