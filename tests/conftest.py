"""Shared fixtures: paths to the repository, the shared data and the external tools."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def require_tools(*tools: str) -> None:
    """Skip the calling test, with the reason, when an external program is not installed."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (run `make test`, which installs them)")


@pytest.fixture
def shared_data() -> Path:
    """The ../shared/data folder CI places beside the clone."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA
