"""What GitHub's REST and GraphQL answers share: the API root, licence names, node ids, timestamps and
git blob ids."""

from __future__ import annotations

import base64
import hashlib
from typing import Final

API: Final = "https://api.github.com"
LICENSES: Final = {
    "MIT": ("mit", "MIT License"),
    "Apache-2.0": ("apache-2.0", "Apache License 2.0"),
    "GPL-3.0": ("gpl-3.0", "GNU General Public License v3.0"),
    "LGPL-3.0": ("lgpl-3.0", "GNU Lesser General Public License v3.0"),
    "BSD-3-Clause": ("bsd-3-clause", 'BSD 3-Clause "New" or "Revised" License'),
    "BSD-2-Clause": ("bsd-2-clause", 'BSD 2-Clause "Simplified" License'),
    "CC-BY-4.0": ("cc-by-4.0", "Creative Commons Attribution 4.0 International"),
    "CC0-1.0": ("cc0-1.0", "Creative Commons Zero v1.0 Universal"),
    "AGPL-3.0": ("agpl-3.0", "GNU Affero General Public License v3.0"),
    "MPL-2.0": ("mpl-2.0", "Mozilla Public License 2.0"),
    "Unlicense": ("unlicense", "The Unlicense"),
    "NOASSERTION": ("other", "Other"),
}


def stamp(date: str | None) -> str | None:
    if not date:
        return None
    if len(date) == 10:
        return date + "T00:00:00Z"
    return date


def node_id(prefix: str, number: int) -> str:
    return base64.b64encode(f"{prefix}{number}".encode()).decode()


def blob_sha(content: bytes) -> str:
    """The git blob id of ``content`` (what GitHub reports as a file's ``sha`` / a Blob's ``oid``)."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()
