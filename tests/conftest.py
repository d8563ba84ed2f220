"""Shared fixtures: temporary databases, the shared real-world material, and local HTTP sites.

Tests that need ../shared (real government pages, WARCs from other tools, the 2010 data) carry the `shared`
marker and are skipped, with the reason shown, where that folder is absent (a user's clone); CI always has it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.crawlsite import serve  # noqa: F401 - the crawler tests' fixture sites (tests/crawlsite.py)

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EGOV_SHARED", REPO.parent / "shared"))


def pytest_collection_modifyitems(config, items):
    if SHARED.is_dir():
        return
    skip = pytest.mark.skip(reason=f"needs the shared test material at {SHARED} (set EGOV_SHARED)")
    for item in items:
        if "shared" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def shared() -> Path:
    return SHARED


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "survey.db"
