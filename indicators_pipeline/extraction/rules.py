"""The registry of reading rules: every rule a record with its id, stage, description and examples.

After duckling's named rules with a corpus of examples and spaCy's matcher ids (`../shared/STYLE.md`):
every decision a figure goes through has an id here, and the extractor's output names it —

- `Mention.rule` is the id of the reading rule that took the figure (`label_cue`, `rank_after_ranking_verb`,
  ...; `+goal` when a target rule made it a goal), `Mention.cue` the named cue that rule read
  (`dossiers_online_pct.label`, the names of `cues.Cue`);
- `Mention.year_source` and `Mention.province_source` are the ids of the year and place rules;
- `Mention.qualifier` is the id of the qualifier rule;
- every number that gives no mention is traced with the id of the value filter or drop rule
  (`extract_mentions(text, context, trace)`; `python -m indicators_pipeline.explain FILE` prints id and
  description).

Each rule carries sentences of our own (never a real page's) that must fire it and some that must not;
`indicators_pipeline_tests/test_rule_registry.py` runs every one through the real extractor. A rule
whose evidence is one article only says so (`one_article`). The README's table of rules is generated
from here: `python -m indicators_pipeline.extraction.rules --readme` rewrites it, `--check` says whether
it is current.
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from indicators_pipeline import reference
from indicators_pipeline.extraction import cues

STAGES = ("value filter", "cue", "drop", "frame", "qualifier", "target", "place", "year")
# How a reading shows that a rule fired: which field of a mention, or the trace of a dropped number.
SHOWS = ("rule", "cue", "drop", "qualifier", "target", "not_target", "province_source", "year_source", "year_before")


@dataclass(frozen=True)
class Rule:
    id: str
    stage: str
    description: str  # one line
    shows: str  # how a reading shows it fired (SHOWS)
    fires: tuple[str, ...] = ()  # sentences of our own it must fire on
    not_fires: tuple[str, ...] = ()  # near misses it must leave alone
    indicators: tuple[str, ...] = ()  # the indicators it may give (none for a drop)
    one_article: str = ""  # when the rule was fitted on a single article: which words, and that more evidence is owed

    def __post_init__(self) -> None:
        if self.stage not in STAGES or self.shows not in SHOWS:
            raise ValueError(f"rule {self.id}: stage {self.stage!r}, shows {self.shows!r}")
        if not self.fires and not self.not_fires:
            raise ValueError(f"rule {self.id}: no example")


def _drop(id: str, stage: str, description: str, fires: tuple[str, ...], not_fires: tuple[str, ...] = ()) -> Rule:
    return Rule(id, stage, description, "drop", fires, not_fires)


# --- Value filters: numbers that name rather than measure (mentions._not_a_value, _ranges).
VALUE_FILTERS = (
    _drop("year_number", "value filter", "a four-digit year (19xx, 20xx), not a figure",
          ("Năm 2024, tỉnh tiếp nhận 64.000 hồ sơ.",), ("Tỉnh tiếp nhận 2.024 hồ sơ qua mạng.",)),
    _drop("document_number", "value filter", "the number of a decree, decision, plan, article or version, not a figure",
          ("Theo Quyết định 431, tỉnh tiếp nhận 64.000 hồ sơ.",)),
    _drop("upper_bound", "value filter", "a bound ('dưới 10%', 'chưa đạt 50%'), not a figure",
          ("Tỷ lệ hồ sơ trực tuyến của vùng sâu vẫn dưới 10%.",)),
    _drop("service_level", "value filter", "the level of a service ('mức độ 3', 'mức 3, 4'), not a figure",
          ("Tỉnh cung cấp 380 dịch vụ công trực tuyến mức độ 4.",)),
    _drop("percent_over_100", "value filter", "a percent over 100 compares two periods ('205,6% so với quý I'): every catalogued percent is a share",
          ("Số hồ sơ trực tuyến quý này bằng 187,4% so với quý trước.",)),
    _drop("duration_or_times", "value filter", "a duration, an age or a count of times ('15 ngày', '3 lần'), not a figure",
          ("Thời gian giải quyết thủ tục rút ngắn còn 12 ngày.",)),
    _drop("list_numbering", "value filter", "list numbering '(1)'",
          ("(2) Tỷ lệ hồ sơ trực tuyến đạt 63,5%.",)),
    _drop("change_not_level", "value filter", "a change or a gap ('tăng 3,61 điểm', 'kém 0,4 điểm'), not a level",
          ("Bộ chỉ số phục vụ người dân, doanh nghiệp của tỉnh tăng 2,45 điểm.",)),
    _drop("range_end", "value filter", "one end of a range ('dao động từ 75% đến 90%'): neither end is a figure",
          ("Tỷ lệ hồ sơ trực tuyến của các huyện dao động từ 41% đến 66%.",), ("Tỷ lệ hồ sơ trực tuyến đạt 66%.",)),
)

# --- Reading rules: the branch that took a figure, the `rule` column (mentions._classify, _framed, _pair_rank_lists).
_RANK_INDICATORS = tuple(code for code, _ in cues.RANK_INDEXES if code is not None)


def _cue_indicators(cue: cues.Cue) -> tuple[str, ...]:
    if not cue.named:
        return (cue.indicator,)
    pattern = cue.label if cue.label is not None else cue.head
    return tuple(pattern.folded.groupindex)


def _indicators_of(table: tuple[cues.Cue, ...], kinds: frozenset[str] | None = None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for cue in table if kinds is None or cue.kinds & kinds for i in _cue_indicators(cue)))


def _percents() -> tuple[str, ...]:
    return tuple(code for code, indicator in reference.indicators().items() if indicator.unit == "percent")


READING = (
    Rule("label_cue", "cue", "the cue nearest before the figure in its sentence names its indicator (LABEL_CUES)", "rule",
         ("Tỷ lệ hồ sơ giải quyết đúng hạn đạt 98,6%.", "Tổng số dịch vụ công trực tuyến của tỉnh là 1.120."),
         ("Tỉnh có 98,6% người dân được khảo sát.",), _indicators_of(cues.LABEL_CUES)),
    Rule("head_cue", "cue", "the words right after the figure name its indicator (HEAD_CUES, HEAD_PERCENT_CUES, in order)", "rule",
         ("Toàn tỉnh có 1.120 dịch vụ công trực tuyến.", "Có 98,1% hồ sơ được giải quyết đúng hạn."),
         ("Toàn tỉnh có 1.120 cây xanh.",), _indicators_of(cues.HEAD_CUES + cues.HEAD_PERCENT_CUES)),
    Rule("rank_after_ranking_verb", "cue", "a rank after 'xếp thứ', 'hạng', 'vị trí' (or out of the count of provinces) for the index named nearest",
         "rule", ("Năm 2023, Chỉ số DTI của Gia Lai xếp thứ 18/63.", "Chỉ số CCHC năm 2022 của tỉnh đứng thứ hai cả nước."),
         ("Gia Lai xếp thứ 18 về tăng trưởng kinh tế.",), _RANK_INDICATORS),
    Rule("first_place_in_words", "cue", "'dẫn đầu', 'đứng đầu' as rank 1 when the words after it leave the whole ranking", "rule",
         ("Trong bảng xếp hạng Chỉ số DTI năm 2023, Đà Nẵng dẫn đầu cả nước.",),
         ("Về Chỉ số DTI năm 2023, Đà Nẵng dẫn đầu khu vực miền Trung.",), _RANK_INDICATORS),
    Rule("share_of_previous", "cue", "a percent right after a count is that count's share ('166 mức 4 (8,5%)')", "rule",
         ("Tỉnh có 640 dịch vụ công trực tuyến mức độ 4, chiếm tỷ lệ 52,3%.",),
         ("Tỉnh có 640 dịch vụ công trực tuyến mức độ 4. Năm nay, 52,3% người dân hài lòng.",), tuple(cues.SHARE_OF.values())),
    Rule("share_by_ratio", "cue", "a percent equal to a count of its sentence divided by a later total is that count's share", "rule",
         ("Tỉnh tiếp nhận 23.410 hồ sơ trực tuyến trên tổng số 50.200 hồ sơ, tương ứng 46,63%.",),
         ("Tỉnh tiếp nhận 23.410 hồ sơ trực tuyến trên tổng số 50.200 hồ sơ, tương ứng 51,2%.",), tuple(cues.SHARE_OF.values())),
    Rule("parallel_to_previous", "cue", "a percent with no words of its own but a place or a year is the previous figure's indicator",
         "rule", ("Tỷ lệ hồ sơ trực tuyến của Kon Tum đạt 70,6%; tỉnh Bình Định đạt 68,3%.",),
         ("Tỷ lệ hồ sơ trực tuyến của Kon Tum đạt 70,6%; có 68,3% xã đạt chuẩn.",), _percents()),
    Rule("index_score", "cue", "a score in points, or a sum of money, read with the label cue nearest in the ~800 characters before it "
         "(scores and sums are named once per paragraph)", "rule",
         ("Bộ chỉ số phục vụ người dân, doanh nghiệp năm 2024 của tỉnh đạt 82,15 điểm.",
          "Tổng kinh phí đầu tư cho chuyển đổi số của tỉnh trong năm là 37,5 tỷ đồng."),
         ("Tỉnh tổ chức hội thi và thí sinh đạt 82,15 điểm.",), ("service_index_score", "it_investment_bn_vnd")),
    Rule("topic_frame", "frame", "a sentence's opening topic ('Về ...,', 'Riêng ...,', 'Đối với ...,') is the label of the first figure after it that names nothing",
         "rule", ("Về dịch vụ công trực tuyến toàn trình, đến cuối năm tỉnh đã cung cấp được 640 dịch vụ.",
                  "Đối với dịch vụ công trực tuyến mức độ 4, tỉnh đã cung cấp 350 thủ tục."),
         ("Về công tác chuyển đổi số, tỉnh hiện có 640 dịch vụ.",), _indicators_of(cues.all_cues())),
    Rule("rank_list_paired", "cue", "ranks listed together pair in order with the provinces listed with them ('A và B lần lượt xếp thứ 2 và 3')",
         "rule", ("Chỉ số DTI năm 2023, Kon Tum và Gia Lai lần lượt xếp thứ 12 và 15.",
                  "Trong Chỉ số DTI năm 2023, các vị trí thứ tư và thứ năm là Kon Tum và Gia Lai."),
         ("Chỉ số DTI năm 2023, ba tỉnh Kon Tum, Gia Lai và Đắk Lắk xếp thứ 12 và 15.",), _RANK_INDICATORS),
)

# --- Drops: figures of the catalogue's kind that are not the catalogue's figure (mentions._classify and the steps after it).
DROPS = (
    _drop("provinces_counted", "drop", "a count of provinces ('12/63 địa phương đạt ...'), not a rank",
          ("Năm 2024, có 12/63 địa phương đạt yêu cầu này.",)),
    _drop("ranking_size", "drop", "the size of a ranking ('bảng xếp hạng 63 tỉnh, thành phố'), not a rank",
          ("Bảng xếp hạng Chỉ số DTI năm 2023 gồm 63 tỉnh, thành phố.",)),
    _drop("first_of_a_part", "drop", "first in a region, a group or one measure ('dẫn đầu khu vực', 'dẫn đầu về ...'), not the ranking",
          ("Về Chỉ số DTI năm 2023, Đà Nẵng dẫn đầu khu vực miền Trung.",)),
    _drop("rank_out_of_range", "drop", "a rank outside 1 to the number of provinces a national ranking counts (reference.unit_counts)",
          ("Chỉ số DTI năm 2023 của tỉnh xếp thứ 71.",), ("Chỉ số DTI năm 2023 của tỉnh xếp thứ 31.",)),
    _drop("change_of_rank", "drop", "a change of rank ('tụt hạng 10 bậc'), not a rank",
          ("Chỉ số DTI năm 2023 của tỉnh tụt hạng 7 bậc.",)),
    _drop("period_ordinal", "drop", "an ordinal of a period ('năm thứ 3 liên tiếp'), not a rank",
          ("Chỉ số DTI năm 2023, Đà Nẵng có năm thứ 5 liên tiếp giữ vị trí cao nhất.",)),
    _drop("regional_rank", "drop", "a rank within a region (named before it, or after it: 'thứ 3 khu vực Tây Nguyên')",
          ("Trong khu vực Tây Nguyên, Chỉ số DTI năm 2023 của Gia Lai đứng thứ 3.",)),
    _drop("rank_of_no_catalogue_index", "drop", "a rank of no catalogue index (PAPI, PCI, the economy, or none named)",
          ("Chỉ số PAPI năm 2023 của Gia Lai xếp thứ 18.",)),
    _drop("rank_of_a_rate", "drop", "the rank of a rate its sentence reports ('tỷ lệ ... đạt 45%, xếp thứ 8'), not of an index",
          ("Chỉ số DTI năm 2023 vừa được công bố. Tỷ lệ hồ sơ trực tuyến của tỉnh đạt 45%, xếp thứ 9.",)),
    _drop("pillar_rank", "drop", "the rank of a pillar or sub-index, named nearer than the index (or in a heading over it)",
          ("Chỉ số DTI năm 2023 của tỉnh có trụ cột chính quyền số xếp thứ 12.",)),
    _drop("not_a_figure_head", "drop", "the words after it say it is no figure of the catalogue (staff, ISO, a change)",
          ("Tỉnh có 1.200 cán bộ, công chức làm việc tại bộ phận một cửa.",)),
    _drop("rate_per_period", "drop", "a rate per day, week or month ('mỗi ngày có khoảng 120 nghìn hồ sơ')",
          ("Bình quân mỗi ngày tỉnh tiếp nhận khoảng 1.200 hồ sơ.",)),
    _drop("comparison_percent", "drop", "a comparison with another period or total ('vượt 90% tổng số của cả năm 2021')",
          ("Tỷ lệ hồ sơ trực tuyến bằng 90% so với cùng kỳ.",)),
    _drop("component_score", "drop", "a component score ('các điểm thành phần gồm: ... 15,4 điểm')",
          ("Bộ chỉ số phục vụ người dân, doanh nghiệp của tỉnh có các điểm thành phần: công khai, minh bạch đạt 15,4 điểm.",)),
    _drop("listed_component_score", "drop", "a component score listed after the index ('Trong đó, chỉ số ... 15,42 điểm')",
          ("Bộ chỉ số phục vụ người dân, doanh nghiệp của tỉnh đạt 80,5 điểm. Trong đó, tiến độ giải quyết đạt 17,2 điểm.",)),
    _drop("no_cue", "drop", "no cue of a catalogue indicator near it",
          ("Năm 2024, tỉnh trồng mới 1.500 cây xanh.",), ("Tỉnh tiếp nhận 1.500 hồ sơ trực tuyến.",)),
    _drop("partial_topic", "frame", "a figure of the part of the year or of government the sentence opens with ('Riêng quý III, ...')",
          ("Riêng quý III, tỷ lệ hồ sơ trực tuyến đạt 72,5%.",), ("Riêng dịch vụ công toàn trình, tỷ lệ hồ sơ trực tuyến đạt 72,5%.",)),
    _drop("part_of_government", "drop", "a figure of one ministry, department, district or level of government",
          ("Sở Tư pháp tiếp nhận 2.300 hồ sơ trực tuyến.",), ("Toàn tỉnh tiếp nhận 2.300 hồ sơ trực tuyến.",)),
    _drop("city_of_the_province", "drop", "a figure of a city of the province ('thành phố Buôn Ma Thuột'), not of the province",
          ("Thành phố Pleiku tiếp nhận 2.300 hồ sơ trực tuyến.",)),
    _drop("level_of_government_after", "drop", "a figure of one level of government, named after it ('... dịch vụ công cấp huyện')",
          ("Tỉnh có 788 dịch vụ công trực tuyến cấp huyện.",), ("Tỉnh có 788 dịch vụ công trực tuyến từ cấp tỉnh đến cấp xã.",)),
    _drop("procedures_changed", "drop", "procedures added, amended or abolished, not those in force",
          ("Năm 2024, tỉnh đã bãi bỏ 15 thủ tục hành chính.",), ("Năm 2024, tỉnh đã công bố 1.790 thủ tục hành chính.",)),
    _drop("ministry", "drop", "the rank or score of a ministry",
          ("Chỉ số DTI năm 2023, Bộ Tư pháp xếp thứ 5.",)),
    _drop("breakdown", "drop", "a breakdown of a total already taken",
          ("Tỉnh tiếp nhận 64.000 hồ sơ, trong đó riêng lĩnh vực đất đai tiếp nhận 12.000 hồ sơ.",)),
    _drop("unpaired_rank_list", "drop", "a rank listed with others whose provinces cannot be paired with them",
          ("Chỉ số DTI năm 2023, ba tỉnh Kon Tum, Gia Lai và Đắk Lắk xếp thứ 12 và 15.",)),
    _drop("duplicate_figure", "drop", "the same figure as another mention (told twice, or a rounding of an exact one: 'hơn 56 nghìn' for '56.039')",
          ("Tỷ lệ hồ sơ trực tuyến đạt 63,5%. Như vậy, tỷ lệ hồ sơ trực tuyến của tỉnh đạt 63,5%.",
           "Tỉnh tiếp nhận hơn 56 nghìn hồ sơ trực tuyến. Cụ thể, tỉnh tiếp nhận 56.039 hồ sơ trực tuyến.")),
)

QUALIFIERS = (
    Rule("exact", "qualifier", "no qualifier word before the figure: the value as written", "qualifier",
         ("Tỉnh tiếp nhận 64.000 hồ sơ trực tuyến.",), ("Tỉnh tiếp nhận khoảng 64.000 hồ sơ trực tuyến.",)),
    Rule("about", "qualifier", "'khoảng', 'gần', 'xấp xỉ', 'ước đạt' before the figure", "qualifier",
         ("Tỉnh tiếp nhận khoảng 64.000 hồ sơ trực tuyến.", "Tỷ lệ hồ sơ trực tuyến ước đạt 63%."),
         ("Tỉnh tiếp nhận hơn 64.000 hồ sơ trực tuyến.",)),
    Rule("more_than", "qualifier", "'hơn', 'trên', 'vượt' before the figure", "qualifier",
         ("Tỉnh tiếp nhận hơn 64.000 hồ sơ trực tuyến.",), ("Tỉnh tiếp nhận 64.000 hồ sơ trực tuyến.",)),
    Rule("at_least", "qualifier", "'ít nhất', 'tối thiểu' before the figure, or 'trở lên' after it", "qualifier",
         ("Tỷ lệ hồ sơ trực tuyến đạt từ 60% trở lên.", "Tỷ lệ hồ sơ trực tuyến đạt ít nhất 60%."),
         ("Tỷ lệ hồ sơ trực tuyến đạt 60%.",)),
)

TARGETS = (
    Rule("goal_words", "target", "goal words in the clause before the figure ('phấn đấu', 'mục tiêu', 'kế hoạch năm', 'sẽ'): a target, '+goal'",
         "target", ("Năm 2024, tỉnh phấn đấu tỷ lệ hồ sơ trực tuyến đạt 80%.",), ("Năm 2024, tỷ lệ hồ sơ trực tuyến đạt 80%.",)),
    Rule("goal_met", "target", "a result told against its goal ('vượt kế hoạch', 'hoàn thành chỉ tiêu'): a fact, not a target",
         "not_target", ("Theo kế hoạch năm, tỷ lệ hồ sơ trực tuyến đạt 80%, vượt kế hoạch đề ra.",),
         ("Theo kế hoạch năm, tỷ lệ hồ sơ trực tuyến đạt 80%.",)),
    Rule("future_year", "target", "a figure for a year after publication is a goal, '+goal'", "target",
         ("Năm 2027, tỷ lệ hồ sơ trực tuyến đạt 90%.",), ("Năm 2023, tỷ lệ hồ sơ trực tuyến đạt 90%.",)),
)

PLACES = (
    Rule("own", "place", "the province named right after the figure ('thứ 2 là TP. Hồ Chí Minh') or nearest before it in its clause",
         "province_source", ("Tỷ lệ hồ sơ trực tuyến của Kon Tum đạt 63,5%.", "Trong Chỉ số DTI năm 2023, vị trí thứ 2 là Kon Tum."),
         ("Tỷ lệ hồ sơ trực tuyến đạt 63,5%.",)),
    Rule("national", "place", "'cả nước', 'toàn quốc' in its clause: a national figure (code 00); not for ranks", "province_source",
         ("Tỷ lệ hồ sơ trực tuyến của cả nước đạt 45,2%.",), ("Chỉ số DTI năm 2023 của Kon Tum xếp thứ 12 cả nước.",)),
    Rule("place_frame", "place", "the one province a paragraph's first sentence opens with is the place of its later figures",
         "province_source", ("Tại Kon Tum, công tác cải cách hành chính có nhiều chuyển biến. Tỷ lệ hồ sơ trực tuyến đạt 63,5%.",),
         ("Tại Kon Tum và Bình Định, công tác cải cách hành chính có nhiều chuyển biến. Tỷ lệ hồ sơ trực tuyến đạt 63,5%.",)),
    Rule("article", "place", "no place of its own: the article's province (headline, header, 'tỉnh X' in the body)", "province_source",
         ("Tỷ lệ hồ sơ trực tuyến đạt 63,5%.",), ("Tỷ lệ hồ sơ trực tuyến của Kon Tum đạt 63,5%.",)),
)

YEARS = (
    Rule("own", "year", "a year written right after the figure, or the nearest one before it in its sentence not compared with",
         "year_source", ("Năm 2023, tỷ lệ hồ sơ trực tuyến đạt 63,5%.", "Tỷ lệ hồ sơ trực tuyến đạt 63,5% năm 2023."),
         ("Tỷ lệ hồ sơ trực tuyến đạt 63,5%.",),
         one_article="'Năm 1890' (a year before 1900 dates its figures all the same) and '1.155/2020 thủ tục' (a fraction's "
                     "base is no year) were each seen in one real article only"),
    Rule("inherited", "year", "no time of its own: the year of the previous figure of the same indicator within two sentences",
         "year_source", ("Năm 2023, tỷ lệ hồ sơ trực tuyến của Kon Tum đạt 63,5%. Tỷ lệ hồ sơ trực tuyến của Bình Định đạt 58%.",),
         ("Tỷ lệ hồ sơ trực tuyến của Bình Định đạt 58%.",)),
    Rule("edition", "year", "a rank or score with no year of its own takes its index's edition ('Vietnam ICT Index 2016 ... xếp thứ 2')",
         "year_source", ("Vietnam ICT Index 2016 đã được công bố. Trong bảng xếp hạng này, Gia Lai xếp thứ 40.",),
         ("Chỉ số DTI của Gia Lai xếp thứ 18.",)),
    Rule("annual_index", "year", "an annual index with no edition named measures the year before publication", "year_source",
         ("Chỉ số DTI của Gia Lai xếp thứ 18.",), ("Chỉ số DTI năm 2023 của Gia Lai xếp thứ 18.",)),
    Rule("period", "year", "the period a paragraph (or the heading over it) opens with ('Quý III/2024,')", "year_source",
         ("Quý III/2024, công tác tiếp nhận hồ sơ có nhiều chuyển biến. Tỷ lệ hồ sơ trực tuyến đạt 63,5%.",),
         ("Công tác tiếp nhận hồ sơ có nhiều chuyển biến. Tỷ lệ hồ sơ trực tuyến đạt 63,5%.",)),
    Rule("comparison", "year", "the figure stands right after a year it is compared with ('so với năm 2022 (52,1%)'): that year's figure",
         "year_source", ("Tỷ lệ hồ sơ trực tuyến đạt 63,5%, cao hơn so với năm 2022 (52,1%).",),
         ("Tỷ lệ hồ sơ trực tuyến đạt 63,5%.",)),
    Rule("reference", "year", "no time anywhere: the article's year (its review year, or publication)", "year_source",
         ("Tỷ lệ hồ sơ trực tuyến đạt 63,5%.",), ("Năm 2023, tỷ lệ hồ sơ trực tuyến đạt 63,5%.",)),
    Rule("rank_from_year_before", "year", "'từ vị trí 49 lên 23' in one year's news: the first rank is the year before's", "year_before",
         ("Chỉ số DTI năm 2023 của Gia Lai tăng từ vị trí 49 lên vị trí 23.",),
         ("Chỉ số DTI năm 2023 của Gia Lai xếp thứ 49, Kon Tum xếp thứ 23.",)),
)

# --- Named cues (cues.py): the words that tie a figure to one indicator; `Mention.cue` names the one that read it.
CUE_EXAMPLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "national_portal_services.head": (("Tỉnh đã tích hợp 1.250 dịch vụ công trực tuyến lên Cổng Dịch vụ công quốc gia.",),
                                      ("Tỉnh đã công khai 1.250 thủ tục được công khai trên Cổng Dịch vụ công quốc gia.",)),
    "online_services_active.head": (("Năm 2024, tỉnh có 420 dịch vụ công trực tuyến có phát sinh hồ sơ.",), ()),
    "online_services_by_level.head": (("Tỉnh cung cấp 380 dịch vụ công trực tuyến mức độ 4.", "Tỉnh có 512 dịch vụ công toàn trình."),
                                      ("Tỉnh có 512 dịch vụ công, tất cả đều ở mức độ 2.",)),
    "online_services_by_level.level_before_noun": (("Trong đó, mức độ 4 là 350 thủ tục.", "Số dịch vụ toàn trình có 812 dịch vụ."), ()),
    "online_services_total.head": (("Toàn tỉnh có 1.120 dịch vụ công trực tuyến.",),
                                   ("Toàn tỉnh có 120 dịch vụ công trực tuyến của sở Y tế.",)),
    "procedures_total.head": (("Bộ thủ tục của tỉnh gồm 1.845 thủ tục hành chính.",),
                              ("Tỉnh có 35 thủ tục hành chính được cắt giảm thời gian.",)),
    "dossiers_online.head": (("Tỉnh tiếp nhận 52.300 hồ sơ trực tuyến.",), ()),
    "dossiers_offline.head": (("Tỉnh tiếp nhận 8.200 hồ sơ nộp trực tiếp.",), ()),
    "dossiers_by_channel.channel_before_noun": (("Tỉnh nhận hồ sơ qua nhiều kênh, trong đó: trực tuyến 41.500 hồ sơ.",), ()),
    "dossiers_resolved.verb_after": (("Năm nay có 61.200 hồ sơ đã được giải quyết.",), ("Năm nay có 61.200 hồ sơ giải quyết đúng hạn.",)),
    "dossiers_resolved.verb_before": (("Tỉnh đã giải quyết 61.200 hồ sơ.",), ()),
    "dossiers_received.verb_before": (("Năm nay, tỉnh tiếp nhận 64.000 hồ sơ.",), ("Năm nay, tỉnh tiếp nhận 64.000 hồ sơ công việc.",)),
    "documents_incoming.head": (("Hệ thống đã xử lý 95.000 văn bản đến.",), ()),
    "documents_outgoing.head": (("Tỉnh đã phát hành 42.000 văn bản đi.",), ()),
    "documents_electronic.head": (("Có 120.000 văn bản điện tử được gửi nhận qua trục liên thông.",), ()),
    "email_accounts.head": (("Tỉnh đã cấp 9.500 hộp thư điện tử công vụ.",), ()),
    "document_system_accounts.head": (("Hệ thống quản lý văn bản có 6.400 tài khoản.",), ("Ngân hàng mở 6.400 tài khoản.",)),
    "digital_signatures.head": (("Tỉnh đã cấp 3.100 chứng thư số cho cán bộ.",), ()),
    "video_conference_points.head": (("Hệ thống hội nghị truyền hình có 180 điểm cầu.",), ()),
    "one_stop_departments.head": (("Tỉnh có 19 sở, ban, ngành vận hành bộ phận một cửa.",), ("Tỉnh có 19 sở, ban, ngành.",)),
    "one_stop_districts.head": (("Có 17 huyện đã vận hành bộ phận một cửa điện tử.",), ()),
    "one_stop_communes.head": (("Có 220 xã, phường vận hành bộ phận một cửa.",), ()),
    "dossiers_ontime_pct.label": (("Tỷ lệ hồ sơ giải quyết đúng hạn đạt 98,6%.",), ("Tỷ lệ hồ sơ giải quyết trước hạn đạt 48,6%.",)),
    "online_services_active_pct.label": (("Tỷ lệ dịch vụ công có phát sinh hồ sơ đạt 72,4%.",), ()),
    "online_services_full_pct.label": (("Tỷ lệ dịch vụ công trực tuyến toàn trình đạt 55,1%.",), ()),
    "dossiers_online_pct.label": (("Tỷ lệ hồ sơ trực tuyến đạt 63,5%.",), ("Tỷ lệ hồ sơ công việc trực tuyến đạt 63,5%.",)),
    "online_payment_pct.label": (("Tỷ lệ thanh toán trực tuyến đạt 41,2%.",), ()),
    "dossiers_digitized_pct.label": (("Tỷ lệ số hóa hồ sơ đạt 80,3%.",), ()),
    "results_digitized_pct.label": (("Tỷ lệ số hóa kết quả giải quyết đạt 77,9%.",), ()),
    "work_files_online_pct.label": (("Tỷ lệ hồ sơ công việc được xử lý trên mạng đạt 91,5%.",), ()),
    "computer_staff_pct.label": (("Tỷ lệ cán bộ, công chức được trang bị máy tính đạt 99,2%.",), ()),
    "email_usage_pct.label": (("Tỷ lệ cán bộ sử dụng thư điện tử trong công việc đạt 96%.",), ()),
    "digital_signature_pct.label": (("Tỷ lệ văn bản đi được ký số đạt 94,7%.",), ()),
    "documents_electronic_pct.label": (("Tỷ lệ văn bản trao đổi dưới dạng điện tử đạt 97,3%.",), ()),
    "sipas_pct.label": (("Chỉ số hài lòng của người dân đạt 86,2%.",), ("Chỉ số PAR Index của tỉnh đạt 86,2%.",)),
    "national_portal_services_pct.label": (("Tỷ lệ dịch vụ công tích hợp trên Cổng Dịch vụ công quốc gia đạt 68,5%.",), ()),
    "online_services_level34_pct.label": (("Tỷ lệ dịch vụ mức độ 3 và 4 đạt 64,9%.",), ()),
    "online_services_level4_pct.label": (("Tỷ lệ dịch vụ mức độ 4 đạt 35,2%.",), ()),
    "it_investment_bn_vnd.label": (("Kinh phí đầu tư cho công nghệ thông tin năm 2024 là 45,6 tỷ đồng.",),
                                   ("Kinh phí đầu tư xây dựng trường học năm 2024 là 45,6 tỷ đồng.",)),
    "service_index_score.label": (("Bộ chỉ số phục vụ người dân, doanh nghiệp của tỉnh đạt 82,15 điểm.",), ()),
    "procedures_total.label": (("Tổng số thủ tục hành chính của tỉnh là 1.790.",), ()),
    "online_services_total.label": (("Tổng số dịch vụ công trực tuyến của tỉnh là 1.120.",), ()),
    "online_services_level34.label": (("Tổng số dịch vụ công trực tuyến mức độ 3 và 4 là 860.",), ()),
    "dossiers_received.label": (("Tổng số hồ sơ tiếp nhận là 64.000.",), ()),
    "dossiers_online.label": (("Số hồ sơ trực tuyến là 41.200.",), ()),
    "dossiers_resolved.label": (("Số hồ sơ đã giải quyết là 60.100.",), ()),
    "digital_signatures.label": (("Tổng số chứng thư số đã cấp là 3.100.",), ()),
    "online_services_full.label": (("Số dịch vụ công trực tuyến toàn trình là 640.",), ()),
    "online_services_full_pct.head": (("Đạt 100% thủ tục hành chính đủ điều kiện được cung cấp dịch vụ công trực tuyến toàn trình.",), ()),
    "dossiers_ontime_pct.head": (("Có 98,1% hồ sơ được giải quyết đúng hạn.",), ()),
    "documents_electronic_pct.head": (("Có 95% văn bản được gửi nhận dưới dạng điện tử.",), ()),
    "dossiers_online_pct.head": (("Có 62% hồ sơ được tiếp nhận qua mạng.",), ()),
    "online_payment_pct.head": (("Có 38% hồ sơ được thanh toán trực tuyến.",), ()),
}
# Cues fitted on a single article: the words, and that their evidence is one page.
_CUES_FROM_ONE_ARTICLE = {
    "service_index_score.label": "the bare '766' (the decision's number read as the index's name) comes from one merged "
                                 "province's article of 2025 (dev4); no other page names the index so",
}
_WHERE = {"head": "the words right after the figure", "label": "the words before the figure",
          "head_and_label": "a noun after the figure and a verb before it"}


def _cue_rule(cue: cues.Cue) -> Rule:
    fires, not_fires = CUE_EXAMPLES.get(cue.name, ((), ()))
    where = "after" if cue.label is None else ("before" if cue.head is None else "before and after")
    gives = ", ".join(_cue_indicators(cue)) if cue.named else cue.indicator
    description = f"words {where} the figure name {gives}" + (" (in a sentence that names the topic)" if cue.sentence else "")
    return Rule(cue.name, "cue", description, "cue", fires, not_fires, _cue_indicators(cue),
                _CUES_FROM_ONE_ARTICLE.get(cue.name, ""))


@cache
def registry() -> tuple[Rule, ...]:
    """Every rule, per stage."""
    rules = (*VALUE_FILTERS, *READING, *(_cue_rule(cue) for cue in cues.all_cues()), *DROPS, *QUALIFIERS, *TARGETS,
             *PLACES, *YEARS)
    return tuple(sorted(rules, key=lambda r: STAGES.index(r.stage)))


@cache
def by_id() -> dict[tuple[str, str], Rule]:
    """Rules by (what shows them, id): a year rule and a place rule may share an id ('own')."""
    found: dict[tuple[str, str], Rule] = {}
    for rule in registry():
        key = (_namespace(rule.shows), rule.id)
        if key in found:
            raise ValueError(f"two rules {rule.id} among the {key[0]} rules")
        found[key] = rule
    return found


def _namespace(shows: str) -> str:
    return {"rule": "reading", "cue": "reading", "drop": "drop", "qualifier": "qualifier", "target": "target",
            "not_target": "target", "province_source": "place", "year_source": "year", "year_before": "year"}[shows]


def describe(id: str, kind: str = "drop") -> str:
    """The description of a rule by its id (kind: drop, reading, qualifier, target, place, year)."""
    rule = by_id().get((kind, id.removesuffix("+goal")))
    return rule.description if rule is not None else "(not in the registry)"


# --- Examples: read with the real extractor.
EXAMPLE_CONTEXT = dict(province_code="64", reference_year=2024, published=dt.date(2024, 12, 20))  # Gia Lai, end of 2024


def fires(rule: Rule, text: str) -> bool:
    """Whether the rule fires on the text, read by the real extractor in EXAMPLE_CONTEXT; a reading rule
    must also give one of its indicators."""
    from indicators_pipeline.extraction.mentions import ArticleContext, extract_mentions

    trace: list[tuple[int, int, str]] = []
    mentions = extract_mentions(text, ArticleContext(**EXAMPLE_CONTEXT), trace)
    if rule.shows == "drop":
        return any(reason == rule.id for _, _, reason in trace)
    if rule.shows == "year_before":
        ranks = [m for m in mentions if m.unit == "rank" and m.year is not None]
        return any(a.indicator_code == b.indicator_code and a.year == b.year - 1 and a.char_start < b.char_start
                   for a in ranks for b in ranks)
    taking = {"rule": lambda m: m.rule.removesuffix("+goal"), "cue": lambda m: m.cue, "qualifier": lambda m: m.qualifier,
              "target": lambda m: "target" if m.is_target else "", "not_target": lambda m: "" if m.is_target else "not_target",
              "province_source": lambda m: m.province_source, "year_source": lambda m: m.year_source}[rule.shows]
    wanted = {"target": "target", "not_target": "not_target"}.get(rule.shows, rule.id)
    return any(taking(m) == wanted and (not rule.indicators or m.indicator_code in rule.indicators) for m in mentions)


# --- The README's table, generated.
BEGIN, END = "<!-- rules table: generated by python -m indicators_pipeline.extraction.rules --readme -->", "<!-- end of rules table -->"
README = Path(__file__).resolve().parents[2] / "README.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def readme_table() -> str:
    """The table of rules, as the README shows it between its markers."""
    lines = [BEGIN, "", "| stage | id | what it reads | gives | examples (fire / not) |", "|---|---|---|---|---|"]
    for rule in registry():
        gives = ", ".join(rule.indicators) if len(rule.indicators) <= 3 else f"{len(rule.indicators)} indicators"
        note = f" **One article only**: {rule.one_article}." if rule.one_article else ""
        lines.append(f"| {rule.stage} | `{rule.id}` | {_cell(rule.description)}{_cell(note)} | {gives} "
                     f"| {len(rule.fires)} / {len(rule.not_fires)} |")
    lines += ["", END]
    return "\n".join(lines)


def readme_with_table(text: str) -> str:
    """The README's text with its table replaced by the registry's (markers required)."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"README has no table markers ({BEGIN} ... {END})")
    return pattern.sub(lambda _: readme_table(), text, count=1)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="The registry of reading rules.")
    parser.add_argument("--readme", action="store_true", help="rewrite the README's table of rules from the registry")
    parser.add_argument("--check", action="store_true", help="exit 1 when the README's table differs from the registry")
    args = parser.parse_args(argv)
    if args.readme or args.check:
        text = README.read_text(encoding="utf-8")
        current = readme_with_table(text)
        if args.check:
            print("README table of rules is current" if current == text else "README table of rules differs from the registry")
            return 0 if current == text else 1
        README.write_text(current, encoding="utf-8")
        return 0
    for rule in registry():
        print(f"{rule.stage:12} {rule.id:45} {rule.description}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
