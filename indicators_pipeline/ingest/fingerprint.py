"""A cheap fingerprint of the raw folder (paths, sizes, modification times) for the sensor's cursor."""
from __future__ import annotations

import hashlib
from pathlib import Path

from indicators_pipeline.ingest.folder import scan


def folder_fingerprint(raw_dir: Path) -> tuple[str, int]:
    """(digest, number of files): the digest changes when a file is added, changed or removed."""
    digest = hashlib.sha256()
    entries = scan(raw_dir)
    for entry in entries:
        digest.update(f"{entry.source_path}\0{entry.byte_size}\0{entry.mtime_ns}\0{entry.problem}\n".encode())
    return digest.hexdigest(), len(entries)
