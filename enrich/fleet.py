"""A night's fetch split into units a fleet of Prefect workers shares, exchanged through the object store.

One unit per source: every batch of that source, fetched in order by one worker inside one slot of the
source's global concurrency limit (``enrich-<source>``), so the fleet never asks one source faster than
its documented spacing, whatever the number of workers (limits are per token, not per machine).

The run that plans the night writes each unit to ``<root>/_fleet/<run_key>/<source>.unit.pickle``;
the worker that fetches it writes ``<source>.out.pickle`` next to it (the results, the client's
counters, which worker did it). Nothing travels in memory or in Prefect parameters beyond the root,
the run key and the source name. The directory is deleted once the night's snapshot is written;
readers of the snapshot never look under ``_fleet/``.

The pickles are written and read by this code only, inside the snapshot bucket: whoever can write
to that bucket can make a worker unpickle what they wrote, so the bucket's write access must be
as narrow as the workers' own (it already is the snapshot's integrity boundary).
"""

from __future__ import annotations

import os
import pickle
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from enrich import storage
from enrich.clients import RepoState
from enrich.errors import InputError, SnapshotError
from enrich.pipeline import Batch, SourceFetch
from enrich.records import SourceStats

FLEET_DIR: Final = storage.FLEET_DIR
_KEY: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class FetchUnit:
    """What one worker fetches: one source's batches, and what the last snapshot knew of its repos."""

    source: str
    batches: tuple[Batch, ...]
    known: Mapping[str, RepoState]


@dataclass(frozen=True)
class UnitOutput:
    """What the worker sends back: the fetch, its client's counters, and who did it."""

    source: str
    fetched: SourceFetch
    stats: SourceStats
    worker: str


def worker_label() -> str:
    """``host:HOME``: tells the workers of a fleet apart (and two workers on one machine, which need
    their own HOME for Prefect's files anyway)."""
    return f"{socket.gethostname()}:{os.environ.get('HOME', '?')}"


def _rel(run_key: str, source: str, kind: str) -> str:
    if not _KEY.match(run_key) or not _KEY.match(source):
        raise InputError(f"{run_key}/{source}", "not a safe unit name (letters, digits, . _ -)")
    return f"{FLEET_DIR}/{run_key}/{source}.{kind}.pickle"


def _get(root: str, rel: str) -> object | None:
    data = storage.get_bytes(root, rel)
    if data is None:
        return None
    try:
        loaded: object = pickle.loads(data)  # written by this code in the snapshot bucket (see above)
        return loaded
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError) as exc:
        raise SnapshotError(f"{root}/{rel}: unreadable work unit ({type(exc).__name__})") from exc


def put_unit(root: str, run_key: str, unit: FetchUnit) -> str:
    return storage.put_bytes(root, _rel(run_key, unit.source, "unit"), pickle.dumps(unit))


def get_unit(root: str, run_key: str, source: str) -> FetchUnit:
    unit = _get(root, _rel(run_key, source, "unit"))
    if not isinstance(unit, FetchUnit):
        raise SnapshotError(f"{root}/{_rel(run_key, source, 'unit')}: no work unit there")
    return unit


def put_output(root: str, run_key: str, output: UnitOutput) -> str:
    return storage.put_bytes(root, _rel(run_key, output.source, "out"), pickle.dumps(output))


def get_output(root: str, run_key: str, source: str) -> UnitOutput | None:
    """The unit's output once a worker has written it, else ``None``."""
    output = _get(root, _rel(run_key, source, "out"))
    if output is None:
        return None
    if not isinstance(output, UnitOutput):
        raise SnapshotError(f"{root}/{_rel(run_key, source, 'out')}: not a unit output")
    return output


def clear(root: str, run_key: str) -> None:
    """Delete the night's units and outputs (after its snapshot is written)."""
    if not _KEY.match(run_key):
        raise InputError(run_key, "not a safe run key")
    storage.delete_prefix(root, f"{FLEET_DIR}/{run_key}")
