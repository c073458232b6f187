"""Fixtures of the command tests: a store holding the example clinic, shared by ``list`` and ``show``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest

from sessconf.operations.apply import apply_repository
from sessconf.repository.load import load_repository
from sessconf.store import HistoryEntry, Store
from sessconf.store.url import resolve
from tests.conftest import PG_ENV, ROOT, _pg_schema, pg_admin_url


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def clinic_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A store holding the example clinic, applied once per database and shared by the package
    (``list`` and ``show`` only read)."""
    folder = tmp_path_factory.mktemp("clinic-store")
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{folder / 'store.db'}"
        else:
            base = pg_admin_url()
            if base is None:
                pytest.skip(f"{PG_ENV} is not set: PostgreSQL store tests skipped")
            url = stack.enter_context(contextmanager(_pg_schema)(base))  # a schema, dropped after
        with Store(resolve(url, None, folder)) as store:
            apply_repository(store, load_repository(ROOT), history=HistoryEntry("tester", None, None))
        yield url
