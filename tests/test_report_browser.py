"""The demo run's report as a reader sees it: headless Chromium, the report copied alone.

Fails on an image that does not load, a missing section, a console message, a link that leaves
the page (it would break once the file is e-mailed) or a page wider than the window; takes
full-page screenshots at a desktop and a laptop width.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image
from report_browser import WIDTHS, chromium, render, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.external]

SECTIONS = ["Samples and groups", "Read tracking", "OTUs and taxonomy", "Alpha diversity",
            "Beta diversity", "Differential abundance", "Patients", "Methods"]  # fmt: skip


@pytest.fixture(scope="module")
def report(demo_run, tmp_path_factory):
    if chromium() is None:
        pytest.skip("needs chromium (run `make test`, which installs it)")
    results = demo_run[2] / "results"
    alone = tmp_path_factory.mktemp("emailed") / "report.html"
    shutil.copy(results / "report.html", alone)  # nothing beside it
    # every figure the run drew: figures/ and, with a clinical table (the demo has one), clinical/
    return alone, len([*results.glob("figures/*.png"), *results.glob("clinical/*.png")])


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_report_renders_whole_when_copied_alone(report, width, tmp_path):
    report, figures = report
    seen = render(report, width)
    assert seen.console == []
    assert seen.broken == []
    assert seen.images == figures  # every figure the run drew
    assert [s for s in seen.sections if s in SECTIONS] == SECTIONS
    assert [link for link in seen.links if not link.startswith("#")] == []
    assert not seen.overflow
    shot = screenshot(report, tmp_path / "page.png", width, seen.height)
    with Image.open(shot) as image:
        assert image.size == (width, seen.height)
        pixels = np.asarray(image.convert("L"))
    # A rendered page, not a blank one: dark text and figures all the way down.
    thirds = np.array_split(pixels, 3)
    assert all((third < 128).mean() > 0.005 for third in thirds)
