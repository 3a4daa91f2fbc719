"""Versions of the reading rules, derived from the code and reference files that make them.

A version is a short hash of the files it depends on: change a rule, a cue table or the catalogue
and the version changes by itself, so the next run reads files (ingest) or parses articles
(extraction) again. Nobody has to remember to bump a constant.
"""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
REFERENCE_FILES = ("reference/*.csv",)  # the catalogue, the provinces before and after 2025, the newspapers
# Reading a file into an article: decoding, HTML, headline, date, the article's province.
INGEST_FILES = ("ingest/*.py", "extraction/dates.py", "extraction/places.py", "extraction/literals.py",
                *REFERENCE_FILES)
# Extraction: every rule module, the merger and the reference files.
EXTRACTION_FILES = ("extraction/*.py", "merger.py", *REFERENCE_FILES)


@functools.cache
def rules_version(patterns: tuple[str, ...]) -> str:
    """12 hex digits of the SHA-256 of the files matched, in sorted order, names included."""
    digest = hashlib.sha256()
    for path in sorted({p for pattern in patterns for p in PACKAGE.glob(pattern)}):
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()[:12]


def ingest_version() -> str:
    return rules_version(INGEST_FILES)


def extractor_version() -> str:
    return rules_version(EXTRACTION_FILES)
