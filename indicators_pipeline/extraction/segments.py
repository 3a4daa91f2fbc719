"""Paragraphs, sentences and clauses with their offsets, so every figure knows the words around it.

Most of an article is prose without figures: sentences are cut only in the paragraphs a figure
asks about, and a paragraph break always ends a sentence.
"""
from __future__ import annotations

import bisect
import re
from typing import NamedTuple

_PARAGRAPH_BREAK = re.compile(r"\n\s*")
# Written '[.!?…][.!?…]*' rather than '[.!?…]+': a pattern that opens with a character set lets the
# engine skip straight to those characters.
_SENTENCE_END = re.compile(r"[.!?…][.!?…]*[\"”’)]*[ \t\u00a0]+(?=[\"“(]?[A-ZĐÀ-Ỹ0-9])")
# Abbreviations that end with a dot inside a sentence: 'TP. Pleiku', 'ThS. Nguyễn'.
_ABBREVIATIONS = {"TP", "Tp", "tp", "ThS", "TS", "PGS", "GS", "BS", "Q", "P", "St", "Mr", "Ms", "Dr", "KS", "CN"}


class Location(NamedTuple):
    """Spans (start, end) around one position; a paragraph includes its closing line break."""

    paragraph: tuple[int, int]
    sentence: tuple[int, int]
    clause: tuple[int, int]


class Segments:
    """Paragraph, sentence and clause boundaries of one text, looked up by position."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._length = len(text)
        self._paragraphs = [0]
        self._breaks: list[int] = []  # where each paragraph's closing break begins
        for match in _PARAGRAPH_BREAK.finditer(text):
            self._breaks.append(match.start())
            self._paragraphs.append(match.end())
        self._breaks.append(self._length)
        self._sentences: dict[int, list[int]] = {}
        self._clauses: dict[int, list[int]] = {}

    def _sentence_starts(self, index: int) -> list[int]:
        starts = self._sentences.get(index)
        if starts is None:
            text = self._text
            starts = [self._paragraphs[index]]
            for match in _SENTENCE_END.finditer(text, starts[0], self._breaks[index]):
                if match.group().startswith("."):
                    word = text[max(0, match.start() - 4) : match.start()].split()[-1:] or [""]
                    if word[0].lstrip("(") in _ABBREVIATIONS:
                        continue
                starts.append(match.end())
            self._sentences[index] = starts
        return starts

    def _clause_starts(self, index: int) -> list[int]:
        starts = self._clauses.get(index)
        if starts is None:
            text, end = self._text, self._breaks[index]
            semicolons, found = [], text.find(";", self._paragraphs[index], end)
            while found >= 0:
                semicolons.append(found + 1)
                found = text.find(";", found + 1, end)
            starts = sorted(set(self._sentence_starts(index)) | set(semicolons))
            self._clauses[index] = starts
        return starts

    def locate(self, position: int) -> Location:
        """The paragraph, sentence and clause holding a position."""
        index = bisect.bisect_right(self._paragraphs, position) - 1
        end = self._paragraphs[index + 1] if index + 1 < len(self._paragraphs) else self._length
        return Location((self._paragraphs[index], end), _span(self._sentence_starts(index), position, end),
                        _span(self._clause_starts(index), position, end))

    def sentence(self, position: int) -> tuple[int, int]:
        return self.locate(position).sentence

    def clause(self, position: int) -> tuple[int, int]:
        return self.locate(position).clause


def _span(starts: list[int], position: int, paragraph_end: int) -> tuple[int, int]:
    at = bisect.bisect_right(starts, position) - 1
    return starts[at], starts[at + 1] if at + 1 < len(starts) else paragraph_end
