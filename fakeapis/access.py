"""The access log: one JSON object per request the double served (or refused to answer)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import IO, Any, Final

from enrich.errors import InputError

LOG_FIELDS: Final = ("ts", "source", "method", "path", "query", "status", "bytes", "latency_ms")


class AccessLog:
    """JSON-lines access log kept in memory and optionally appended to a file (flushed per line)."""

    def __init__(self, path: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []
        self._file: IO[str] | None = None
        if path is not None:
            try:
                self._file = Path(path).open("a", encoding="utf-8")  # noqa: SIM115 - closed in close()
            except OSError as exc:
                raise InputError(str(path), f"cannot open access log: {exc.strerror}") from None

    def add(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, separators=(",", ":")) if self._file is not None else ""
        with self._lock:
            self._entries.append(entry)
            if self._file is not None:
                self._file.write(line + "\n")
                self._file.flush()

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
