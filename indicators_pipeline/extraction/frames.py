"""Topic frames: a sentence that opens with its topic lends it to the figure of its next clause.

Real prose names what it measures first and the figure later, across a comma: 'Về mức độ 3, tỉnh
có 214 dịch vụ', 'Riêng DVC mức 3 và mức 4, tỉnh đã cung cấp 1.155 thủ tục', 'Đối với dịch vụ toàn
trình, hiện có 812 dịch vụ'. The figure's own words come first; only a figure they leave without an
indicator reads the topic, and only the first figure after it (a later one has a nearer cue or none).
"""
from __future__ import annotations

import re
from typing import NamedTuple

# 'Về', 'Riêng', 'Đối với', 'Còn', 'Với', 'Trong số', 'Riêng đối với' opening a sentence, then the topic up to a comma.
_OPENING = re.compile(r"\W*(?:[Rr]iêng(?: đối với| về)?|[Vv]ề|[Đđ]ối với|[Cc]òn|[Vv]ới|[Tt]rong số)\s+(?P<topic>[^,;:.]{3,80}?)\s*,")


class Topic(NamedTuple):
    start: int
    end: int
    text: str


def sentence_topic(view: str, sentence_start: int, sentence_end: int) -> Topic | None:
    """The topic a sentence opens with, if it opens with one."""
    match = _OPENING.match(view, sentence_start, sentence_end)
    if match is None:
        return None
    return Topic(match.start("topic"), match.end("topic"), match.group("topic"))


# A topic that is a part of the year: 'Riêng quý III, ...', 'Trong tháng 9, ...': its figures are not the year's.
_PART_OF_THE_YEAR = re.compile(r"(?<!\w)(?:quý|tháng|tuần|đợt)(?!\w)", re.IGNORECASE)


def names_a_part_of_the_year(topic: Topic) -> bool:
    return bool(_PART_OF_THE_YEAR.search(topic.text))


def frame_label(topic: Topic) -> str:
    """The topic written as the label of the figure it frames ('mức độ 3' -> 'mức độ 3 là ')."""
    return f"{topic.text} là "
