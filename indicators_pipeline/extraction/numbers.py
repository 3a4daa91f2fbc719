"""Vietnamese number writing: `.` groups thousands, `,` marks decimals, words scale.

`find_numbers` returns every numeric token of a text with its span; it does not decide what a
number means (a year, a level, a value): that is the job of the cue rules.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from indicators_pipeline.extraction.literals import word_spans

# Thousands separators seen in the wild: '.', and non-breaking or narrow spaces from web copy.
_GROUP = r"[.\u00a0\u202f]"
# Numbers are written in ASCII digits. The pattern opens with a digit set (not a group or '\d', a
# Unicode category) so that the engine skips straight to the next digit.
_NUMBER = re.compile(rf"([0-9](?:\d{{0,2}}(?:{_GROUP}\d{{3}})+|\d*))(?:,(\d+))?(?:\.(\d{{1,2}})(?!\d))?")
_NOT_BEFORE_A_NUMBER = "_.,/:-"  # with letters and digits (the regex class \w): a digit run glued to these is part of a word or a code
_SPACE = r"[ \u00a0\u202f]*"
_PERCENT = re.compile(rf"{_SPACE}(%|phần trăm)", re.IGNORECASE)
# Every unit but '%' in one pattern; the name of the group that closes last says which matched.
_UNIT = re.compile(
    rf"{_SPACE}(?:(?P<money>(?:(?P<money_scale>nghìn|ngàn|triệu|tỷ|tỉ){_SPACE})?(?:đồng|VNĐ|VND)(?!\w))"
    rf"|(?P<percent>phần trăm)"
    rf"|/{_SPACE}(?P<ratio>\d{{1,3}}(?:\.\d{{3}})*|\d+)(?![\w/-])"
    rf"|(?P<scale>nghìn|ngàn|triệu|tỷ|tỉ)(?!\w)(?!{_SPACE}lệ))",  # not the "tỷ" of "tỷ lệ" (a rate)
    re.IGNORECASE,
)
_DROP_GROUPS = str.maketrans("", "", ".\u00a0\u202f")
_SCALE_FACTOR = {"nghìn": 1e3, "ngàn": 1e3, "triệu": 1e6, "tỷ": 1e9, "tỉ": 1e9}


class NumberToken(NamedTuple):
    """A number as written: `value` in plain units, `kind` among count/percent/money/ratio."""

    start: int
    end: int  # end of the whole token, unit included
    value: float
    kind: str  # "count", "percent", "money" (billion VND), "ratio", "lead" ('dẫn đầu': first place)
    denominator: float | None = None
    digits_end: int = 0  # end of the digits alone
    decimals: int = 0  # decimals as written: '28,9%' has 1 (rounding tolerance comes from it)


def parse_number(text: str) -> float:
    """Parse one Vietnamese-written number ('1.937' -> 1937, '98,92' -> 98.92)."""
    match = _NUMBER.fullmatch(text.strip())
    if not match:
        raise ValueError(f"not a number: {text!r}")
    return _match_value(match)[0]


def _match_value(match: re.Match) -> tuple[float, int]:
    """(value, decimals as written) of a match of _NUMBER; a dot followed by one or two digits is a
    decimal point written the English way ('98.5%')."""
    whole, decimals, dot_decimals = match.groups()
    digits = whole.translate(_DROP_GROUPS) if len(whole) > 3 else whole  # '1.937' is the shortest with a group
    written = decimals if decimals is not None else dot_decimals
    if written is None:
        return float(digits), 0
    return float(f"{digits}.{written}"), len(written)


def format_number(value: float, decimals: int = 0) -> str:
    """Write a number the Vietnamese way (inverse of parse_number)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


_YEAR_LIKE_BASE = re.compile(r"/((?:19|20)\d\d)(?=\s+(?:thủ tục|TTHC|dịch vụ|DVC|hồ sơ))")
_MONTH_BEFORE = re.compile(r"(?:tháng|quý)\s*$", re.IGNORECASE)


def find_numbers(text: str) -> list[NumberToken]:
    """Every number of the text with its unit: percent, money (billion VND), ratio or count."""
    tokens: list[NumberToken] = []
    for match in _NUMBER.finditer(text):
        start, end = match.span()
        if start and ((glued := text[start - 1]).isalnum() or glued in _NOT_BEFORE_A_NUMBER):
            continue  # a digit run glued to a word or a code
        follower = text[end : end + 1]
        if follower in _CODE_STARTS and _CODE_TAIL.match(text, end):
            base = _YEAR_LIKE_BASE.match(text, end) if follower == "/" else None
            if base is None:
                continue  # a date, a document number or a standard: '29-1', '16/TB-VPCP', '9001:2015'
            value, decimals = _match_value(match)
            if value > int(base.group(1)) or _MONTH_BEFORE.search(text, max(0, start - 8), start):
                continue  # 'tháng 5/2021 hồ sơ ...': a month
            # '1.210/2021 thủ tục': a fraction whose base looks like a year, told by the count noun after it
            tokens.append(NumberToken(start, base.end(1), value, "ratio", float(base.group(1)), end, decimals))
            continue
        value, decimals = _match_value(match)
        if follower in _SPACES:
            follower = text[end : end + _UNIT_PEEK].lstrip(_SPACES)[:1]
        if not follower or follower in _UNIT_STARTS:
            token = _with_unit(text, match, value, decimals, follower)
            if token is not None:
                tokens.append(token)
                continue
        tokens.append(NumberToken(start, end, value, "count", None, end, decimals))
    return tokens


def _with_unit(text: str, match: re.Match, value: float, decimals: int, unit_start: str) -> NumberToken | None:
    """The number read with what follows it: money, percent, ratio or a scaled count ('1,2 nghìn').

    `unit_start`, the first character after the spaces: a '%' needs no pattern. The others are one
    pattern whose alternatives are tried in order (money before a bare scale: '37,9 tỷ đồng').
    """
    end = match.end()
    if unit_start == "%":
        return NumberToken(match.start(), _PERCENT.match(text, end).end(), value, "percent", None, end, decimals)
    unit = _UNIT.match(text, end)
    if unit is None:
        return None
    kind = unit.lastgroup
    if kind == "money":
        scale = (unit.group("money_scale") or "").lower()
        billions = value * _SCALE_FACTOR.get(scale, 1.0) / 1e9
        return NumberToken(match.start(), unit.end(), billions, "money", None, end, decimals)
    if kind == "percent":
        return NumberToken(match.start(), unit.end(), value, "percent", None, end, decimals)
    if kind == "ratio":
        if _looks_like_date(text, match.start(), unit.end()):
            return None
        denominator = parse_number(unit.group("ratio"))
        return NumberToken(match.start(), unit.end(), value, "ratio", denominator, end, decimals)
    scaled = value * _SCALE_FACTOR[unit.group("scale").lower()]
    return NumberToken(match.start(), unit.end(), scaled, "count", None, end, decimals)


_SPACES = " \u00a0\u202f"
_UNIT_PEEK = 8  # spaces a unit may stand after; past that, the full patterns decide
# First letters of every unit word ('%', 'phần trăm', 'nghìn', 'ngàn', 'triệu', 'tỷ', 'tỉ', 'đồng',
# 'VNĐ', 'VND') and '/' of a ratio: a number followed by anything else is a plain count.
_UNIT_STARTS = frozenset("%/pPnNtTđĐvV")
_CODE_STARTS = frozenset("/:-")
_CODE_TAIL = re.compile(r"/\d+/|/[^\W\d]|:\d|-\d|/(?:19|20)\d\d(?!\d)")
_DATE_TAIL = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}/(?:19|20)\d\d")


def _looks_like_date(text: str, start: int, end: int) -> bool:
    """'07/9/2020' or 'tháng 5/2021' are dates, not ratios."""
    return bool(_DATE_TAIL.match(text, start)) or text[end : end + 1] == "/"


# Ranks written in words: 'xếp thứ hai', 'đứng thứ ba'. Only after a ranking verb: 'Thứ Hai' is a
# weekday and 'năm thứ ba liên tiếp' a count of years.
_ORDINALS = {"nhất": 1, "nhì": 2, "hai": 2, "ba": 3, "tư": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9, "mười": 10}
# Opening with the literal 'hứ ' lets the engine skip straight to each 'thứ'/'Thứ' (the 't' is checked after).
_ORDINAL = re.compile(rf"hứ ({'|'.join(_ORDINALS)})(?!\w)(?!\s*(?:19|20)\d\d)")
_RANKING_VERB = re.compile(r"(?:xếp|đứng|vị trí|hạng|giữ|lên|xuống|ở)\s*$", re.IGNORECASE)


# First place in words: 'Đà Nẵng dẫn đầu', 'TPHCM đứng đầu cả nước'. Read as rank 1 only where the words
# after it leave the whole ranking (not 'dẫn đầu khu vực', 'dẫn đầu về tỷ lệ ...'): see mentions._classify.
_LEADS = ("dẫn đầu", "đứng đầu", "xếp đầu")


def find_first_places(text: str) -> list[NumberToken]:
    """'dẫn đầu', 'đứng đầu', 'xếp đầu' as rank tokens of value 1 (kind 'lead'), found with str.find."""
    tokens = []
    for start, end in word_spans(text, _LEADS):
        if (start and text[start - 1].isalnum()) or text[end : end + 1].isalnum():
            continue  # inside a longer word
        tokens.append(NumberToken(start, end, 1.0, "lead", None, end, 0))
    return tokens


def find_ordinal_ranks(text: str) -> list[NumberToken]:
    """Ranks written as ordinal words after a ranking verb, as count tokens over the word."""
    tokens = []
    for match in _ORDINAL.finditer(text):
        word_start = match.start() - 1
        if word_start < 0 or text[word_start] not in "tT" or (word_start and text[word_start - 1].isalnum()):
            continue
        if _RANKING_VERB.search(text, max(0, word_start - 12), word_start):
            start = match.start(1)
            tokens.append(NumberToken(start, match.end(), float(_ORDINALS[match.group(1)]), "count", None,
                                      match.end(), 0))
    return tokens
