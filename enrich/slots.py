"""Who holds the per-source concurrency slots: a ledger of holders that outlives them.

``flows.concurrency`` takes a slot of the Prefect global concurrency limit ``enrich-<source>`` (with a
lease) before it fetches from a source. A process that dies holding one (SIGKILL, OOM, power)
cannot give it back, and Prefect's embedded server neither keeps leases across restarts nor
expires them (its lease reaper runs only in a standalone ``prefect server``). So every holder
also writes a record here, next to Prefect's database (``$PREFECT_HOME/enrich-slots/``):

* while it waits: ``state = "waiting"`` (holds nothing);
* around each request for a slot: ``state = "acquiring"`` (it may be granted any moment);
* once granted: ``state = "holding"`` and the lease id;
* after it has given the slot back: the record is deleted.

Anyone who waits for a slot calls :meth:`SlotLedger.dead` to find records of processes on this
machine that no longer exist, and gives their slots back (``flows.concurrency``). A record whose
process cannot be checked (another host, no permission) counts as alive. The order of the steps
means a crash can at worst let one extra batch run at once for a moment, never keep a slot taken.

No Prefect here: plain files, one JSON per holder, and a lock file serialising reclaimers.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Literal

from enrich.atomic import atomic_write

__all__ = ["LEDGER_DIR", "Holder", "SlotLedger", "process_alive", "process_start"]

LEDGER_DIR: Final = "enrich-slots"

State = Literal["waiting", "acquiring", "holding"]
_STATES: Final[tuple[State, ...]] = ("waiting", "acquiring", "holding")


def process_start(pid: int) -> str | None:
    """The start time of ``pid`` in clock ticks since boot (Linux ``/proc``), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after its closing ")"
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def process_alive(pid: int, started: str | None) -> bool:
    """Whether process ``pid`` (started at ``started``, when known) still exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else: /proc still tells its start time
        return started is None or process_start(pid) in {started, None}
    if started is None:
        return True
    now = process_start(pid)
    if now is None:  # no /proc: cannot tell reuse apart
        return True
    if now == started:
        return not _zombie(pid)
    return False


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return False
    fields = stat.rsplit(")", 1)[-1].split()
    return bool(fields) and fields[0] == "Z"


@dataclass(frozen=True, slots=True)
class Holder:
    """One process's claim on one slot of each of ``names``."""

    key: str
    names: tuple[str, ...]
    pid: int
    host: str
    started: str | None  # process_start(pid) when the record was made
    state: State
    since: str  # ISO timestamp
    lease_id: str | None = None

    def alive(self, host: str) -> bool:
        """Dead only when it is known to be: same host and the process is gone (or its pid reused)."""
        return self.host != host or process_alive(self.pid, self.started)


def _state(value: object) -> State:
    """A record's state; an unknown one counts as ``acquiring`` (may hold a slot: never robbed)."""
    for state in _STATES:
        if value == state:
            return state
    return "acquiring"


class SlotLedger:
    """The holder records under ``directory`` (created on first use)."""

    def __init__(self, directory: Path, *, host: str | None = None, pid: int | None = None) -> None:
        self.directory = directory
        self.host = host or socket.gethostname()
        self.pid = os.getpid() if pid is None else pid

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def _write(self, holder: Holder) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        atomic_write(self._path(holder.key), json.dumps(asdict(holder), sort_keys=True).encode("utf-8"))

    def waiting(self, names: Sequence[str]) -> Holder:
        """Record that this process wants a slot of each of ``names`` (it holds none yet)."""
        holder = Holder(
            key=f"{self.pid}-{uuid.uuid4().hex[:12]}",
            names=tuple(names),
            pid=self.pid,
            host=self.host,
            started=process_start(self.pid),
            state="waiting",
            since=datetime.now(UTC).isoformat(),
        )
        self._write(holder)
        return holder

    def mark(self, holder: Holder, state: State) -> Holder:
        """Record ``holder``'s new state (``acquiring`` before each request for a slot, ``waiting`` after a refusal)."""
        changed = replace(holder, state=state)
        self._write(changed)
        return changed

    def holding(self, holder: Holder, lease_id: str | None) -> Holder:
        """Record that the slots were granted (under ``lease_id`` when the server gave one)."""
        held = replace(holder, state="holding", lease_id=lease_id, since=datetime.now(UTC).isoformat())
        self._write(held)
        return held

    def remove(self, holder: Holder) -> None:
        """Forget ``holder`` (after its slots were given back)."""
        self._path(holder.key).unlink(missing_ok=True)

    def holders(self) -> list[Holder]:
        """Every record, oldest key first; unreadable records are skipped (a write in progress)."""
        if not self.directory.is_dir():
            return []
        out: list[Holder] = []
        for path in sorted(self.directory.glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                out.append(
                    Holder(
                        key=str(data["key"]),
                        names=tuple(str(n) for n in data["names"]),
                        pid=int(data["pid"]),
                        host=str(data["host"]),
                        started=None if data.get("started") is None else str(data["started"]),
                        state=_state(data.get("state")),
                        since=str(data.get("since", "")),
                        lease_id=None if data.get("lease_id") is None else str(data["lease_id"]),
                    )
                )
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return out

    def dead(self) -> list[Holder]:
        """Records of processes on this machine that no longer exist."""
        return [h for h in self.holders() if not h.alive(self.host)]

    def live_count(self, name: str) -> int:
        """How many live holders hold (or may just have been granted) a slot of ``name``; waiting ones hold none."""
        return sum(
            1 for h in self.holders() if name in h.names and h.state != "waiting" and h.alive(self.host)
        )

    @contextlib.contextmanager
    def reclaiming(self) -> Iterator[None]:
        """Serialise reclaimers (one process gives a dead holder's slots back, once)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "a+b") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
