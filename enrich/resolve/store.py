"""The one SQLite store base: how the resolution cache and the work-id map open, set up and close
their databases.

A store is one SQLite file (``":memory:"`` in tests; a file's parent directory is created), opened
with the :mod:`sqlite3` defaults (no pragmas: the files written by earlier nights open unchanged), its
tables created from the subclass's ``SCHEMA`` (``CREATE ... IF NOT EXISTS``, so an existing file is
left as it is). Writes go into one transaction that :meth:`SQLiteStore.close` commits; leaving the
``with`` block by an exception rolls it back first. A store that wants every write durable at once
(the resolution cache) calls :meth:`SQLiteStore.commit` after it; one that wants one transaction per
night (the work-id map, docs/performance.md "Work-id map") does not.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Self

__all__ = ["SQLiteStore"]


class SQLiteStore:
    """A SQLite database with its schema, used as a context manager (see the module docstring)."""

    SCHEMA: ClassVar[str]
    """The ``CREATE TABLE/INDEX IF NOT EXISTS`` script run on every open."""

    def __init__(self, path: Path | str) -> None:
        if isinstance(path, Path):
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path))
        self._db.executescript(self.SCHEMA)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            self._db.rollback()
        self.close()

    def commit(self) -> None:
        """Make the writes so far durable."""
        self._db.commit()

    def close(self) -> None:
        """Commit what is written (one transaction since the last commit) and close the database."""
        self._db.commit()
        self._db.close()
