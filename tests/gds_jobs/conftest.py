"""Every test here runs on both stores: the embedded FalkorDB and Neo4j with GDS."""

from __future__ import annotations

import pytest

from klynge.config import Settings


@pytest.fixture
def settings(any_settings: Settings) -> Settings:
    """The folder's settings are the parametrised ones, so ``store`` and every fixture built on
    ``settings`` run once per store."""
    return any_settings
