"""The exit codes of every ``enrich`` command: a contract for schedulers and scripts (README "Exit codes", docs/operations.md).

== ===========================================================================================
0  complete: every input was read and every source answered
1  failure: nothing was written (or an unexpected internal error; a traceback is printed)
2  usage or input error: bad flags, no usable input; one clear line on stderr
3  partial: output was written, but some inputs were skipped or some sources were unreachable
== ===========================================================================================

``enrich run`` stopped by a signal exits 128 + its number (143 SIGTERM, 130 SIGINT).
"""

from __future__ import annotations

from typing import Final

__all__ = ["EXIT_FAILURE", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_PARTIAL", "EXIT_USAGE"]

EXIT_OK: Final = 0
EXIT_FAILURE: Final = 1
EXIT_USAGE: Final = 2
EXIT_PARTIAL: Final = 3
EXIT_INTERRUPTED: Final = 130  # 128 + SIGINT
