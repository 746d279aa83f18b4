"""Progress of the nightly stages: :class:`ProgressEvent` objects on the ``enrich.progress`` logger.

Every stage module emits through :func:`emit`; a terminal (``enrich run``) draws the events from
``record.event`` without the stages knowing about it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final, Literal

progress_log: Final = logging.getLogger("enrich.progress")


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """One step of progress: a stage started/finished, or a batch of a source finished."""

    stage: str  # refresh | parse | titles | fetch | resolve | build | write | summary
    kind: Literal["start", "done", "batch", "note"]
    source: str | None = None
    done: int = 0
    total: int = 0
    detail: str = ""
    outcome: Literal["ok", "warn", "fail"] = "ok"  # how the terminal marks it: ✓, ⚠ or ✗


def emit(event: ProgressEvent) -> None:
    text = event.detail or f"{event.stage} {event.kind}"
    progress_log.info(text, extra={"event": event})
