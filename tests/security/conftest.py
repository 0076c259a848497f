"""Security tests: an outbox folder per test, fresh rate limits, an empty search index."""

import pytest


@pytest.fixture(autouse=True)
def _isolated(outbox, fresh_search_index):
    """Apply the shared isolation fixtures of tests/conftest.py to every test here."""
