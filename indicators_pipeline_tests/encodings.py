"""Writing test files the way other tools write them."""
from __future__ import annotations

import unicodedata

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_windows_1258(text: str) -> bytes:
    """Windows-1258 keeps base letters precomposed and writes tone marks as combining characters."""
    out = []
    for ch in text:
        decomposed = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
        out.append(base + "".join(c for c in decomposed if c in _TONES))
    return "".join(out).encode("cp1258")
