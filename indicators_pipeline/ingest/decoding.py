"""Bytes to text: detect the encoding from evidence, never by hope, or say why a file is not text."""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass


class NotText(ValueError):
    """A file that is not an article: the message is the reason a person reads."""


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    note: str = ""  # e.g. a truncated last character that was dropped


_MAGIC = (
    (b"%PDF", "a PDF document, not text"),
    (b"\x89PNG", "a PNG image, not text"),
    (b"\xff\xd8\xff", "a JPEG image, not text"),
    (b"GIF8", "a GIF image, not text"),
    (b"PK\x03\x04", "a ZIP archive (or DOCX/XLSX), not text"),
    (b"\xd0\xcf\x11\xe0", "an old Office document, not text"),
    (b"\x1f\x8b", "a gzip archive, not text"),
    (b"RIFF", "a media file, not text"),
    (b"\x7fELF", "an executable, not text"),
)
# Letters only Vietnamese uses; Windows-1258 text decoded right is full of them.
_VIETNAMESE = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def decode_bytes(data: bytes) -> DecodedText:
    """Decode an article file; raise NotText with a reason when it is not a text article."""
    if not data.strip():
        raise NotText("empty file" if not data else "only white space")
    for magic, reason in _MAGIC:
        if data.startswith(magic):
            raise NotText(reason)
    decoded = _decode(data)
    text = unicodedata.normalize("NFC", decoded.text.lstrip("\ufeff"))
    if _CONTROL.search(text[:20000]) and len(_CONTROL.findall(text[:20000])) > max(3, len(text[:20000]) // 200):
        raise NotText("binary content (control characters), not text")
    if not any(ch.isalpha() for ch in text[:20000]):
        raise NotText("no letters: not an article")
    return DecodedText(text, decoded.encoding, decoded.note)


def _decode(data: bytes) -> DecodedText:
    if data.startswith(codecs.BOM_UTF8):
        return _utf8(data[3:], "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return DecodedText(data.decode("utf-16"), "utf-16")
    sample = data[:4000]
    even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
    if odd_nuls > len(sample) // 8 and even_nuls < odd_nuls // 4:
        return DecodedText(data.decode("utf-16-le", errors="replace"), "utf-16-le")
    if even_nuls > len(sample) // 8 and odd_nuls < even_nuls // 4:
        return DecodedText(data.decode("utf-16-be", errors="replace"), "utf-16-be")
    if b"\x00" in sample:
        raise NotText("binary content (NUL bytes), not text")
    try:
        return _utf8(data, "utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1258", errors="replace")
    letters = sum(ch.isalpha() for ch in text[:20000])
    if letters and len(_VIETNAMESE.findall(unicodedata.normalize("NFC", text[:20000]))) > letters // 50:
        return DecodedText(text, "windows-1258")
    raise NotText("unknown encoding: neither UTF-8, UTF-16 nor Windows-1258 Vietnamese")


def _utf8(data: bytes, name: str) -> DecodedText:
    try:
        return DecodedText(data.decode("utf-8"), name)
    except UnicodeDecodeError as error:
        if error.start >= len(data) - 3 and error.reason in ("unexpected end of data", "invalid continuation byte"):
            # A file cut inside its last character: keep the text, drop the broken tail.
            return DecodedText(data[: error.start].decode("utf-8"), name, "truncated last character dropped")
        raise
