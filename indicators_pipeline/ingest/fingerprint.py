"""A cheap fingerprint of the raw folder (paths, sizes, modification times) for the sensor's cursor."""
from __future__ import annotations

import hashlib
from pathlib import Path

from indicators_pipeline.ingest.folder import scan


def files_fingerprint(paths: list[Path]) -> str:
    """A digest of some single files' sizes and modification times (a missing file counts as missing)."""
    digest = hashlib.sha256()
    for path in paths:
        try:
            info = path.stat()
            digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
        except OSError:
            digest.update(f"{path}\0missing\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def folder_fingerprint(raw_dir: Path) -> tuple[str, int]:
    """(digest, number of files): the digest changes when a file is added, changed or removed."""
    digest = hashlib.sha256()
    entries = scan(raw_dir)
    for entry in entries:
        digest.update(f"{entry.source_path}\0{entry.byte_size}\0{entry.mtime_ns}\0{entry.problem}\n".encode())
    return digest.hexdigest(), len(entries)
