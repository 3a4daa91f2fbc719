"""Sentences and clauses, cut lazily paragraph by paragraph."""
from __future__ import annotations

from indicators_pipeline.extraction.segments import Segments

TEXT = ("Gia Lai: kết quả năm 2023\n\n"
        "TP. Pleiku dẫn đầu. Tỉnh đạt 98,5%; huyện Chư Sê đạt 90%! Năm 2024 tiếp tục.\n"
        "Dòng cuối")


def piece(span):
    return TEXT[span[0]:span[1]]


def test_sentences_end_at_stops_before_a_capital_and_at_line_breaks():
    segments = Segments(TEXT)
    assert piece(segments.sentence(TEXT.index("Gia Lai"))) == "Gia Lai: kết quả năm 2023\n\n"
    assert piece(segments.sentence(TEXT.index("Pleiku"))) == "TP. Pleiku dẫn đầu. "  # 'TP.' is no stop
    assert piece(segments.sentence(TEXT.index("98,5"))) == "Tỉnh đạt 98,5%; huyện Chư Sê đạt 90%! "
    assert piece(segments.sentence(TEXT.index("2024"))) == "Năm 2024 tiếp tục.\n"
    assert piece(segments.sentence(TEXT.index("cuối"))) == "Dòng cuối"


def test_clauses_end_at_semicolons_within_a_sentence():
    segments = Segments(TEXT)
    assert piece(segments.clause(TEXT.index("98,5"))) == "Tỉnh đạt 98,5%;"
    assert piece(segments.clause(TEXT.index("90%"))) == " huyện Chư Sê đạt 90%! "


def test_a_location_gives_the_paragraph_sentence_and_clause_together():
    segments = Segments(TEXT)
    where = segments.locate(TEXT.index("90%"))
    assert piece(where.paragraph).startswith("TP. Pleiku") and piece(where.paragraph).endswith("tiếp tục.\n")
    assert where.sentence == segments.sentence(TEXT.index("90%"))
    assert where.clause == segments.clause(TEXT.index("90%"))


def test_every_position_of_a_text_lies_in_its_sentence():
    segments = Segments(TEXT)
    for position in range(len(TEXT)):
        start, end = segments.sentence(position)
        assert start <= position < end or (position == len(TEXT) and end == len(TEXT))
