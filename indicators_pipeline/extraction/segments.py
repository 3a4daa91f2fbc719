"""Sentences and clauses with their offsets, so every figure knows the words around it."""
from __future__ import annotations

import bisect
import re

_SENTENCE_END = re.compile(r"[.!?…]+[\"”’)]*[ \t\u00a0]+(?=[\"“(]?[A-ZĐÀ-Ỹ0-9])|\n\s*")
_CLAUSE_END = re.compile(r";")
# Abbreviations that end with a dot inside a sentence: 'TP. Pleiku', 'ThS. Nguyễn'.
_ABBREVIATIONS = {"TP", "Tp", "tp", "ThS", "TS", "PGS", "GS", "BS", "Q", "P", "St", "Mr", "Ms", "Dr", "KS", "CN"}


class Segments:
    """Sentence and clause boundaries of one text, looked up by position."""

    def __init__(self, text: str) -> None:
        sentence_starts = [0]
        for match in _SENTENCE_END.finditer(text):
            if match.group().startswith("."):
                word = text[max(0, match.start() - 4) : match.start()].split()[-1:] or [""]
                if word[0].lstrip("(") in _ABBREVIATIONS:
                    continue
            sentence_starts.append(match.end())
        self._sentences = sentence_starts
        clause_starts = sorted(set(sentence_starts) | {m.end() for m in _CLAUSE_END.finditer(text)})
        self._clauses = clause_starts
        self._length = len(text)

    @staticmethod
    def _span(starts: list[int], length: int, position: int) -> tuple[int, int]:
        index = bisect.bisect_right(starts, position) - 1
        end = starts[index + 1] if index + 1 < len(starts) else length
        return starts[index], end

    def sentence(self, position: int) -> tuple[int, int]:
        return self._span(self._sentences, self._length, position)

    def clause(self, position: int) -> tuple[int, int]:
        return self._span(self._clauses, self._length, position)
