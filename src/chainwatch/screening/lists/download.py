"""Fetch list files from their official URLs with conditional requests.

Each file is asked for with ``If-None-Match`` / ``If-Modified-Since`` from the last snapshot,
so an unchanged list costs a 304 and no snapshot. Downloads stream to a temporary file with a
size limit; a failed or partial download never becomes a snapshot.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from chainwatch.errors import InputError
from chainwatch.screening.lists.snapshot import SnapshotFile, file_sha256

MAX_LIST_BYTES = 2 * 1024**3
USER_AGENT = "chainwatch (sanctions screening; +https://chainwatch.invalid)"


@dataclass(frozen=True)
class Fetched:
    name: str
    url: str
    not_modified: bool
    path: Path | None = None
    meta: SnapshotFile | None = None


def fetch_file(
    client: httpx.Client, name: str, url: str, dest_dir: Path, previous: SnapshotFile | None
) -> Fetched:
    """GET one file; ``previous`` supplies the validators of the last snapshot."""
    headers = {"User-Agent": USER_AGENT}
    if previous is not None and previous.url == url:
        if previous.etag:
            headers["If-None-Match"] = previous.etag
        if previous.last_modified:
            headers["If-Modified-Since"] = previous.last_modified
    try:
        with client.stream("GET", url, headers=headers, follow_redirects=True) as response:
            if response.status_code == 304:
                return Fetched(name, url, True)
            if response.status_code != 200:
                raise InputError(f"{url}: HTTP {response.status_code}")
            fd, tmp = tempfile.mkstemp(prefix=f"{name}.", dir=dest_dir)
            size = 0
            with open(fd, "wb") as out:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_LIST_BYTES:
                        raise InputError(f"{url}: larger than {MAX_LIST_BYTES} bytes")
                    out.write(chunk)
            path = Path(tmp)
            meta = SnapshotFile(
                name=name,
                sha256=file_sha256(path),
                size=size,
                url=url,
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
            )
            return Fetched(name, url, False, path, meta)
    except httpx.HTTPError as exc:
        raise InputError(f"{url}: download failed: {exc}") from None
