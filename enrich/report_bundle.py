"""The report's Vega + Vega-Lite + vega-embed script (``assets/vega.js``), built once per vl-convert version.

:func:`vl_convert.javascript_bundle` builds it inside vl-convert's embedded JavaScript runtime: measured
+95 MB of resident memory that stays with the process and 3.7 s of CPU, for a 0.9 MB string that is
the same for every report made with one vl-convert version. So, given a cache directory
(``enrich run`` passes ``--cache``), the bundle is kept in ``<cache>/report/vega-<version>-<digest>.js``
(vl-convert's version, and a digest of the snippet it is built around) and built, the first time only,
by a short child process (``python -m enrich.report_bundle FILE``): the night's process never loads
the runtime. Without a cache directory, or when the child fails, it is built in this process as
before. Either way the bytes written to the report are the same.
"""

from __future__ import annotations

import functools
import hashlib
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Final

from enrich.atomic import atomic_write

# what the bundle exposes to report.js (the names vl-convert gives the libraries inside the bundle)
BUNDLE_SNIPPET: Final = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"
CACHE_SUBDIR: Final = "report"
CHILD_TIMEOUT_S: Final = 300

_known: dict[str, str] = {}  # the bundle by file name (version and digest), once this process has it


@functools.cache
def built_here() -> str:
    """The bundle built in this process (the embedded runtime stays loaded)."""
    import vl_convert

    bundle: str = vl_convert.javascript_bundle(BUNDLE_SNIPPET)
    return bundle


def bundle_file(cache_dir: Path) -> Path:
    """Where the bundle of the installed vl-convert is kept under ``cache_dir``."""
    version = metadata.version("vl-convert-python")
    digest = hashlib.sha256(BUNDLE_SNIPPET.encode()).hexdigest()[:12]
    return cache_dir / CACHE_SUBDIR / f"vega-{version}-{digest}.js"


def write_bundle(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text.encode("utf-8"))


def vega_bundle(cache_dir: Path | None = None) -> str:
    """The bundle: from ``cache_dir``'s file when it is there, else built (see the module docstring)."""
    if cache_dir is None:
        return built_here()
    path = bundle_file(cache_dir)
    if path.is_file():
        text = path.read_text(encoding="utf-8")
    elif path.name in _known or _built_here_already():  # this process has it: no child needed
        text = _known.get(path.name) or built_here()
        write_bundle(path, text)
    elif _built_by_child(path):
        text = path.read_text(encoding="utf-8")
    else:  # the child could not build it: build it here
        text = built_here()
        write_bundle(path, text)
    _known[path.name] = text
    return text


def _built_here_already() -> bool:
    return built_here.cache_info().currsize > 0


def _built_by_child(path: Path) -> bool:
    try:
        child = subprocess.run(
            [sys.executable, "-m", "enrich.report_bundle", str(path)],
            capture_output=True,
            timeout=CHILD_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):  # could not start, or too slow: build it here
        return False
    return child.returncode == 0 and path.is_file()


def main(argv: list[str]) -> int:
    """``python -m enrich.report_bundle FILE``: build the bundle and write it to FILE (atomically)."""
    if len(argv) != 1:
        print("usage: python -m enrich.report_bundle FILE", file=sys.stderr)
        return 2
    write_bundle(Path(argv[0]), built_here())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
