"""Key files: created once, mode 0600, in a 0700 folder, never replaced.

The marking secret, the ledger's operator key, the studio's C2PA identity and the keys
``keygen`` commands write all go through here. Losing or silently replacing one loses
history (marks nobody can read any more, checkpoints nobody can verify), so creation is
exclusive (``O_EXCL``): when two processes race, the first file wins and the other reads it.
"""

from __future__ import annotations

import os
from pathlib import Path


def secrets_dir(home: Path) -> Path:
    """``home/secrets``, made 0700, and tightened to 0700 if it existed looser."""
    folder = home / "secrets"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)
    return folder


def create_key_file(path: Path, data: bytes) -> bool:
    """Write ``data`` to a new ``path`` (0600); False, writing nothing, if it already exists."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return True
