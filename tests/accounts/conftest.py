"""Fixtures of the accounts tests: an outbox folder per test, fresh rate limits."""

import pytest

from tests.builders import reset_limits


@pytest.fixture(autouse=True)
def outbox(app, tmp_path):
    """Write e-mails to a temporary folder; return it."""
    folder = tmp_path / "outbox"
    previous = app.config.get("OUTBOX_DIR")
    app.config["OUTBOX_DIR"] = str(folder)
    reset_limits()
    yield folder
    app.config["OUTBOX_DIR"] = previous
    reset_limits()


@pytest.fixture(autouse=True)
def fresh_search_index(app, tmp_path):
    """Give each test an empty search index, so that fiches committed (then rolled back) by
    another test cannot show up in this one's results."""
    if "SEARCH_INDEX_DIR" not in app.config and "search" not in app.blueprints:
        yield None
        return
    from directory.search.backend import get_backend

    previous = app.config.get("SEARCH_INDEX_DIR")
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "index")
    app.extensions.pop("search", None)
    backend = get_backend(app)
    yield backend
    backend.close()
    app.extensions.pop("search", None)
    app.config["SEARCH_INDEX_DIR"] = previous
