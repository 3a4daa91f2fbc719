"""Where plain words occur in a text, found with str.find.

A regex that opens with one of several letters ('nay|hiện|...') stops at every such letter and calls
the engine's character-set test on each character on the way; in Vietnamese prose 'n', 'h' and 't'
are everywhere. `str.find` skips to a whole word many times faster, so the rare words that anchor a
phrase are found this way, and the phrase is then read around them.
"""
from __future__ import annotations


def word_spans(text: str, words: tuple[str, ...], start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of every occurrence of the words in text[start:end], in text order.

    The words must not overlap one another ('nay' and 'hiện'), so that the spans are exactly those
    a regex alternation of them would find.
    """
    end = len(text) if end is None else end
    spans = []
    for word in words:
        size = len(word)
        at = text.find(word, start, end)
        while at >= 0:
            spans.append((at, at + size))
            at = text.find(word, at + size, end)
    spans.sort()
    return spans


def year_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of every four-digit 19xx or 20xx in text[start:end] not followed by a digit,
    as the regex '(?:19|20)\\d\\d(?!\\d)' finds them (two such runs can never overlap)."""
    end = len(text) if end is None else end
    spans = []
    for century in ("19", "20"):
        at = text.find(century, start, end - 2)
        while at >= 0:
            stop = at + 4
            if stop <= end and text[at + 2 : stop].isdecimal() and (stop == end or not text[stop].isdecimal()):
                spans.append((at, stop))
            at = text.find(century, at + 1, end - 2)
    spans.sort()
    return spans
