"""The words that tie a number to a catalogue indicator.

Each rule names an indicator, the kinds of number it takes and where its cue must stand:
- `head`: right after the number, up to the next figure ('196 dịch vụ công trực tuyến mức độ 3');
- `label`: before the number, since the previous figure ('tỷ lệ hồ sơ giải quyết đúng hạn đạt 98,92%').
Head rules are tried in order; among label rules the cue nearest the number wins. A new
indicator is a catalogue row plus a rule here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_I = re.IGNORECASE


class Caseless:
    """A case-insensitive pattern, run case-sensitively on lowercased text.

    Python's case-insensitive matching folds every character it compares, and its fast scans for a
    pattern's first letters do not apply: on Vietnamese text it is about three times slower. The
    text is lowercased instead (one pass in C), against the pattern with its letters lowercased.
    Offsets hold because Vietnamese letters keep their length in lowercase; a text whose length
    changes is matched the slow way.
    """

    # `folded` and `exact` are public: on the hottest paths, a caller holding lowercased text of the
    # same length calls `folded` directly (a Python call per figure is what extraction spends most on).
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.flags = re.IGNORECASE
        self.folded = re.compile(_lowercase_letters(pattern))
        self.exact = re.compile(pattern, re.IGNORECASE)

    def _pick(self, text: str, lowered: str | None) -> tuple[re.Pattern, str]:
        lowered = text.lower() if lowered is None else lowered
        return (self.folded, lowered) if len(lowered) == len(text) else (self.exact, text)

    # `lowered`: the text already lowercased by the caller, to lowercase it once for many patterns.
    def search(self, text: str, lowered: str | None = None) -> re.Match | None:
        if lowered is None:
            lowered = text.lower()
        # The hottest call of extraction: written out rather than through _pick.
        return self.folded.search(lowered) if len(lowered) == len(text) else self.exact.search(text)

    # Anchored at one position, a case-insensitive match is quick: nothing to gain from lowercasing.
    def match(self, text: str, lowered: str | None = None) -> re.Match | None:
        return self.exact.match(text)

    def fullmatch(self, text: str, lowered: str | None = None) -> re.Match | None:
        return self.exact.fullmatch(text)

    def finditer(self, text: str, lowered: str | None = None):
        pattern, text = self._pick(text, lowered)
        return pattern.finditer(text)


def _lowercase_letters(pattern: str) -> str:
    """The pattern with its literal letters lowercased; escapes (\\W, \\S, \\b, \\D) and '(?P<name>' keep their case."""
    out, escaped = [], False
    for i, char in enumerate(pattern):
        keep = escaped or (char == "P" and pattern[max(0, i - 2) : i] == "(?")
        out.append(char if keep else char.lower())
        escaped = char == "\\" and not escaped
    return "".join(out)


def _rx(pattern: str) -> Caseless:
    return Caseless(pattern)


class AtEnd(Caseless):
    """A case-insensitive pattern that must end where the text ends (the words right before a number),
    behind a test of the text's last words.

    An end-anchored pattern is tried from every position of the text; most texts end with none of
    the words, and `str.endswith` says so at once. `endings`: lowercase, one of which every match
    ends with (before trailing spaces).
    """

    def __init__(self, pattern: str, endings: tuple[str, ...]) -> None:
        super().__init__(pattern)
        self.endings = endings

    def search(self, text: str, lowered: str | None = None) -> re.Match | None:
        lowered = text.lower() if lowered is None else lowered
        if not lowered.rstrip().endswith(self.endings):
            return None
        return super().search(text, lowered)


class Hinted:
    """A pattern behind a cheap first test: words one of which every match contains.

    Searching a whole clause with a long case-insensitive pattern is the slow part of reading a
    figure; most clauses hold none of the words, and a substring test says so many times faster.
    Hints are lowercase when the pattern ignores case.
    """

    def __init__(self, pattern: re.Pattern | Caseless, hints: tuple[str, ...], reach: int | None = None) -> None:
        self.pattern, self.hints = pattern, hints
        self._fold = bool(pattern.flags & re.IGNORECASE)
        # `reach`: how far before a hint of its own a match can start ('Ủy ban nhân dân huyện' starts 3
        # characters before its hint 'ban nhân dân'). When set, `scan_start` says where a scan may start.
        self.reach = reach

    # `lowered`: the text lowercased, when the caller has it (case-insensitive patterns only); a
    # caseless pattern is then given it too, so that no text is lowercased twice.
    def may_match(self, text: str, lowered: str | None = None) -> bool:
        folded = (text.lower() if lowered is None else lowered) if self._fold else text
        for hint in self.hints:  # a plain loop: no generator to build on every call
            if hint in folded:
                return True
        return False

    def search(self, text: str, lowered: str | None = None) -> re.Match | None:
        if not self._fold:
            return self.pattern.search(text) if self.may_match(text) else None
        lowered = text.lower() if lowered is None else lowered
        return self.pattern.search(text, lowered) if self.may_match(text, lowered) else None

    def hints_in(self, text: str, lowered: str | None = None) -> tuple[str, ...]:
        """The hints the text holds. No part of the text holds another: a caller that keeps them for a
        sentence hands them to `scan_start` for the sentence's parts, which then looks for these alone."""
        folded = (text.lower() if lowered is None else lowered) if self._fold else text
        held: tuple[str, ...] = ()
        for hint in self.hints:
            if hint in folded:
                held += (hint,)
        return held

    def scan_start(self, text: str, hints: tuple[str, ...] | None = None) -> int:
        """Where the first match of the text can start at the earliest (`reach` before the first
        hint), or -1 when the text holds no hint: the characters before it need no regex scan.
        `hints`: the hints of a text that holds this one (`hints_in`), when the caller has them."""
        assert self.reach is not None and not self._fold
        first = -1
        for hint in self.hints if hints is None else hints:
            at = text.find(hint, 0, first + len(hint) if first >= 0 else len(text))  # only earlier than the best so far
            if at >= 0:
                first = at
        return (first - self.reach if first > self.reach else 0) if first >= 0 else -1

    def finditer(self, text: str, lowered: str | None = None):
        if not self._fold:
            return self.pattern.finditer(text) if self.may_match(text) else iter(())
        lowered = text.lower() if lowered is None else lowered
        return self.pattern.finditer(text, lowered) if self.may_match(text, lowered) else iter(())


@dataclass(frozen=True)
class Cue:
    # The cue's id in the rule registry (extraction/rules.py), '<indicator>.<where its words stand>': a mention
    # read by it records it (Mention.cue), and `explain` prints it beside the branch ('label_cue (cue ...)').
    name: str
    indicator: str
    kinds: frozenset[str]
    head: Caseless | None = None
    label: Caseless | None = None
    sentence: Caseless | re.Pattern | None = None  # must also appear somewhere in the sentence
    # Lowercase words one of which every match of the head (or, for a label rule, the label) contains:
    # a cheap first test, so that most rules are never run on a figure. Required: a rule without
    # hints would never apply.
    hints: tuple[str, ...] = ()
    named: bool = False  # the indicator is the name of the pattern's group that matched (the label's, if it has one)
    label_hints: tuple[str, ...] = ()  # lowercase words one of which the label must hold before its pattern runs

    def __post_init__(self) -> None:
        if not self.hints or any(h != h.lower() for h in self.hints):
            raise ValueError(f"cue for {self.indicator}: hints must be lowercase and not empty")
        if not self.name.startswith(self.indicator + ".") and not self.named:
            raise ValueError(f"cue {self.name}: a cue's name starts with its indicator")


COUNT = frozenset({"count", "ratio"})
PERCENT = frozenset({"percent"})
MONEY = frozenset({"money"})
POINTS = frozenset({"points"})

# Building blocks of the language of these reports.
SERVICES = r"(?:bộ\s+)?(?:dịch vụ công(?: trực tuyến)?|DVC(?:TT)?|thủ tục hành chính|TTHC|thủ tục)"
LEVEL34 = r"mức(?: độ)?\s*3\s*(?:,|và|và mức(?: độ)?|, mức(?: độ)?|/)\s*(?:mức(?: độ)?\s*)?4"
LEVEL = r"mức(?: độ)?\s*{n}(?!\d|\s*[,/]\s*(?:mức(?: độ)?\s*)?\d|\s*và\s*(?:mức(?: độ)?\s*)?\d)"
# The words between a service noun and its level, never across a new predicate ('..., tất cả đều ở mức độ 2')
# nor past another taxonomy word: the first level, 'toàn trình' or 'một phần' after the noun decides.
GAP = r"(?:(?!,\s*(?:tất cả|trong đó|đều|100\s*%|tỷ lệ)|toàn trình|một phần|mức)[^.;]){0,80}?"
PORTAL = r"Cổng\s+(?:Dịch vụ công|DVC)\s+quốc gia"
ONE_STOP = _rx(r"một cửa")

HEAD_CUES: tuple[Cue, ...] = (
    # Services integrated on the national portal, before any level rule: they are written with levels too.
    # Integrated on the portal ('tích hợp', 'kết nối', 'cung cấp ... trên'), not merely listed there ('được công khai trên').
    Cue("national_portal_services.head", "national_portal_services", COUNT, head=_rx(rf"^\W*(?:{SERVICES})(?:(?!công khai).){{0,80}}?(?:tích hợp|kết nối|cung cấp|đưa lên|trên|lên).{{0,30}}{PORTAL}"), hints=("quốc gia",)),
    Cue("online_services_active.head", "online_services_active", COUNT, head=_rx(rf"^\W*(?:{SERVICES}).{{0,60}}có phát sinh hồ sơ"), hints=("phát sinh",)),
    # Service counts by level (before Decree 42/2022) or by taxonomy (after): one rule, the words after
    # the noun decide, and the indicator is the name of the group that matched. The gap cannot pass a
    # taxonomy word, so the first one after the noun is the only one that can match.
    Cue("online_services_by_level.head", "online_services_by_level", COUNT, named=True, head=_rx(
        rf"^\W*(?:(?:{SERVICES}){GAP})?(?:(?P<online_services_level34>{LEVEL34})|(?P<online_services_level4>{LEVEL.format(n=4)})"
        rf"|(?P<online_services_level3>{LEVEL.format(n=3)})|(?P<online_services_level2>{LEVEL.format(n=2)})"
        r"|(?P<online_services_full>toàn trình)|(?P<online_services_partial>một phần))"), hints=("mức", "toàn trình", "một phần")),
    # The level named first, the service noun after the figure: 'mức độ 4 là 350 thủ tục', 'số DVC trực
    # tuyến mức 4 là 751/2.020 thủ tục', 'toàn trình có 812 dịch vụ'.
    # One rule: the label's group that matched names the indicator (the label is read only when the head is a noun).
    Cue("online_services_by_level.level_before_noun", "online_services_by_level_before", COUNT, named=True, head=_rx(rf"^\W*(?:{SERVICES}|dịch vụ)"),
        label=_rx(rf"(?:(?P<online_services_level34>{LEVEL34})|(?P<online_services_level4>{LEVEL.format(n=4)})"
                  rf"|(?P<online_services_level3>{LEVEL.format(n=3)})|(?P<online_services_level2>{LEVEL.format(n=2)})"
                  rf"|(?P<online_services_full>toàn trình)|(?P<online_services_partial>một phần))"
                  r"[^\d.;]{0,30}?(?:là|có|:|đạt|gồm)\s*(?:hơn|trên|gần|khoảng)?\s*$"),
        hints=("dịch vụ", "dvc", "thủ tục", "tthc"),  # hints of a head rule are words of the head
        label_hints=("mức", "toàn trình", "một phần")),
    Cue("online_services_total.head", "online_services_total", COUNT, head=_rx(r"^\W*(?:dịch vụ công trực tuyến|DVCTT)(?!\s*(?:của|thuộc)\s+(?:sở|huyện))"), hints=("dịch vụ công trực tuyến", "dvctt")),
    Cue("procedures_total.head", "procedures_total", COUNT, head=_rx(r"^\W*(?:bộ\s+)?(?:thủ tục hành chính|TTHC)(?!\s+(?:được|có)\s+(?:cắt giảm|đơn giản|sửa đổi|bãi bỏ|công bố mới)|\s+liên thông)"), hints=("thủ tục hành chính", "tthc")),
    # Dossiers: the words after the number say which count it is; a verb before it says the rest.
    Cue("dossiers_online.head", "dossiers_online", COUNT, head=_rx(r"^\W*hồ sơ(?: TTHC| thủ tục hành chính)?\s+(?:được\s+)?(?:nộp\s+|tiếp nhận\s+)?(?:trực tuyến|qua mạng|qua dịch vụ công trực tuyến)"), hints=("hồ sơ",)),
    Cue("dossiers_offline.head", "dossiers_offline", COUNT, head=_rx(r"^\W*hồ sơ(?: TTHC)?\s+(?:nộp\s+|tiếp nhận\s+)?(?:trực tiếp|giấy)"), hints=("hồ sơ",)),
    # A breakdown by channel, the channel first: 'trong đó: trực tuyến 107.152 hồ sơ; trực tiếp và qua bưu chính 8.713 hồ sơ'.
    # The label is read only where the head is 'hồ sơ' and the label names a channel.
    Cue("dossiers_by_channel.channel_before_noun", "dossiers_by_channel_before", COUNT, named=True, head=_rx(r"^\W*hồ sơ"), hints=("hồ sơ",),
        label=_rx(r"(?:^|[:;,(]|trong đó)\s*(?:nộp |tiếp nhận )?(?:(?P<dossiers_online>trực tuyến|qua mạng)"
                  r"|(?P<dossiers_offline>trực tiếp(?: và qua [^\d;:]{0,40})?))\s*(?:là|:)?\s*$"),
        label_hints=("trực tuyến", "qua mạng", "trực tiếp")),
    # The verb after the noun: 'Trong đó: 181.579 hồ sơ đã được giải quyết' (not 'hồ sơ giải quyết đúng hạn', a share's count).
    Cue("dossiers_resolved.verb_after", "dossiers_resolved", COUNT, head=_rx(r"^\W*hồ sơ(?: TTHC| thủ tục hành chính)?\s+(?:đã\s+)?(?:được\s+)?giải quyết(?!\s*(?:đúng|trước|sớm|quá|trễ) hạn|\s+trực tuyến)"),
        hints=("giải quyết",)),
    Cue("dossiers_resolved.verb_before", "dossiers_resolved", COUNT, head=_rx(r"^\W*hồ sơ(?! công việc)"), label=_rx(r"(?=[đ\sg])(?:đã|đã được)?\s*giải quyết(?: được| xong)?\s*(?:hơn|trên|gần|khoảng)?\s*$"), hints=("hồ sơ",)),
    Cue("dossiers_received.verb_before", "dossiers_received", COUNT, head=_rx(r"^\W*hồ sơ(?! công việc)"), label=_rx(r"(?:tiếp nhận|nhận|phát sinh|thụ lý)(?: và (?:xử lý|giải quyết))?(?: được| mới)?\s*(?:tổng (?:cộng|số)\s*)?(?:hơn|trên|gần|khoảng)?\s*$"), hints=("hồ sơ",)),
    Cue("documents_incoming.head", "documents_incoming", COUNT, head=_rx(r"^\W*văn bản đến(?!\w)"), hints=("văn bản",)),
    Cue("documents_outgoing.head", "documents_outgoing", COUNT, head=_rx(r"^\W*văn bản đi(?!\w)"), hints=("văn bản",)),
    Cue("documents_electronic.head", "documents_electronic", COUNT, head=_rx(r"^\W*văn bản(?: điện tử)?.{0,40}(?:trục liên thông|liên thông|điện tử)"), label=None, hints=("văn bản",)),
    Cue("email_accounts.head", "email_accounts", COUNT, head=_rx(r"^\W*(?:(?:tài khoản|hộp thư|địa chỉ)(?: thư)?(?: điện tử| email)|cán bộ.{0,80}(?:cấp|tạo lập).{0,20}(?:hộp thư|thư điện tử|tài khoản thư))"), hints=("thư", "email", "điện tử")),
    Cue("document_system_accounts.head", "document_system_accounts", COUNT, head=_rx(r"^\W*tài khoản(?! thư)"), sentence=_rx(r"quản lý văn bản|văn phòng điện tử|điều hành"), hints=("tài khoản",)),
    Cue("digital_signatures.head", "digital_signatures", COUNT, head=_rx(r"^\W*(?:chứng thư(?: số| chữ ký số)?|chữ ký số|thiết bị chữ ký số)"), hints=("chứng thư", "chữ ký số")),
    Cue("video_conference_points.head", "video_conference_points", COUNT, head=_rx(r"^\W*điểm cầu"), hints=("điểm cầu",)),
    Cue("one_stop_departments.head", "one_stop_departments", COUNT, head=_rx(r"^\W*(?:sở,? ban,? ngành|đơn vị cấp sở|cơ quan cấp tỉnh|sở, ngành|cơ quan, đơn vị cấp tỉnh|sở\b)"), sentence=ONE_STOP, hints=("sở", "cơ quan")),
    Cue("one_stop_districts.head", "one_stop_districts", COUNT, head=_rx(r"^\W*(?:UBND|ủy ban nhân dân|Ủy ban nhân dân)?\s*(?:cấp huyện|huyện|đơn vị cấp huyện|huyện, thị xã)"), sentence=ONE_STOP, hints=("huyện",)),
    Cue("one_stop_communes.head", "one_stop_communes", COUNT, head=_rx(r"^\W*(?:UBND|ủy ban nhân dân|Ủy ban nhân dân)?\s*(?:cấp xã|xã, phường|xã\b)"), sentence=ONE_STOP, hints=("xã",)),
)

# Label cues: the phrase that names what a figure measures, standing before it.
_PROCEDURE = r"(?:\s+(?:TTHC|thủ tục hành chính))?"  # 'số hồ sơ (TTHC) giải quyết (TTHC) là ...'
LABEL_CUES: tuple[Cue, ...] = (
    # On time is early and on time together: 'trước hạn' alone is the early part only.
    Cue("dossiers_ontime_pct.label", "dossiers_ontime_pct", PERCENT, label=_rx(r"đúng hạn|đúng(?:,| và|, và)\s*trước hạn|trước hạn(?=\s*(?:,|và)\s*(?:\d[\d,.]*\s*%\s*)?đúng hạn)"), hints=("hạn",)),
    Cue("online_services_active_pct.label", "online_services_active_pct", PERCENT, label=_rx(r"có phát sinh hồ sơ(?: trực tuyến)?"), hints=("phát sinh",)),
    Cue("online_services_full_pct.label", "online_services_full_pct", PERCENT, label=_rx(r"(?:dịch vụ công|DVC(?:TT)?)(?: trực tuyến)? toàn trình"), hints=("toàn trình",)),
    Cue("dossiers_online_pct.label", "dossiers_online_pct", PERCENT, label=_rx(r"hồ sơ (?:được )?(?:nộp |tiếp nhận |xử lý )?(?:trực tuyến|qua mạng)(?: toàn trình)?|tỷ lệ (?:nộp )?hồ sơ trực tuyến|(?:tiếp nhận|xử lý|giải quyết) trực tuyến(?: toàn trình)?|hồ sơ trực tuyến"), hints=("trực tuyến", "qua mạng")),
    Cue("online_payment_pct.label", "online_payment_pct", PERCENT, label=_rx(r"thanh toán trực tuyến"), hints=("thanh toán",)),
    Cue("dossiers_digitized_pct.label", "dossiers_digitized_pct", PERCENT, label=_rx(r"số h[oó]a (?:thành phần )?hồ sơ|số hoá (?:thành phần )?hồ sơ"), hints=("số hóa", "số hoá")),
    Cue("results_digitized_pct.label", "results_digitized_pct", PERCENT, label=_rx(r"số h[oó]a kết quả|kết quả (?:giải quyết )?(?:TTHC |thủ tục hành chính )?(?:được )?(?:cấp |trả )?(?:bản )?điện tử|cấp kết quả điện tử"), hints=("kết quả",)),
    Cue("work_files_online_pct.label", "work_files_online_pct", PERCENT, label=_rx(r"hồ sơ công việc"), hints=("công việc",)),
    Cue("computer_staff_pct.label", "computer_staff_pct", PERCENT, label=_rx(r"máy tính"), hints=("máy tính",)),
    Cue("email_usage_pct.label", "email_usage_pct", PERCENT, label=_rx(r"sử dụng thư điện tử|thư điện tử (?:công vụ )?(?:trong|cho) công việc|sử dụng (?:hộp thư|email)"), hints=("thư", "email")),
    Cue("digital_signature_pct.label", "digital_signature_pct", PERCENT, label=_rx(r"chữ ký số|ký số|chứng thư số"), hints=("ký số", "chứng thư")),
    Cue("documents_electronic_pct.label", "documents_electronic_pct", PERCENT, label=_rx(r"văn bản.{0,60}(?:điện tử|môi trường mạng)|văn bản điện tử"), hints=("văn bản",)),
    Cue("sipas_pct.label", "sipas_pct", PERCENT, label=_rx(r"SIPAS|chỉ số hài lòng|mức độ hài lòng"), hints=("sipas", "hài lòng")),
    Cue("national_portal_services_pct.label", "national_portal_services_pct", PERCENT, label=_rx(PORTAL), hints=("quốc gia",)),
    Cue("online_services_level34_pct.label", "online_services_level34_pct", PERCENT, label=_rx(LEVEL34), hints=("mức",)),
    Cue("online_services_level4_pct.label", "online_services_level4_pct", PERCENT, label=_rx(LEVEL.format(n=4)), hints=("mức",)),
    Cue("it_investment_bn_vnd.label", "it_investment_bn_vnd", MONEY, label=_rx(r"kinh phí|đầu tư|vốn|chi cho|ngân sách"), sentence=_rx(r"công nghệ thông tin|CNTT|chuyển đổi số|chính quyền (?:điện tử|số)"), hints=("kinh phí", "đầu tư", "vốn", "chi cho", "ngân sách")),
    Cue("service_index_score.label", "service_index_score", POINTS, label=_rx(r"phục vụ người dân,? (?:và )?doanh nghiệp|Bộ chỉ số phục vụ|766"), hints=("phục vụ", "766")),
    Cue("procedures_total.label", "procedures_total", COUNT, label=_rx(r"(?:tổng số|số lượng|bộ) (?:thủ tục hành chính|TTHC)(?: (?:của tỉnh|đang (?:thực hiện|áp dụng)|thuộc thẩm quyền)[^\d]{0,40})?\s*(?:là|:|gồm|với)?\s*$"), hints=("thủ tục", "tthc")),
    # 'tổng số dịch vụ công trực tuyến (DVCTT) của tỉnh là 1.542/1.871': the province named between.
    Cue("online_services_total.label", "online_services_total", COUNT, label=_rx(r"(?:tổng số|số lượng) (?:dịch vụ công trực tuyến|DVCTT)\s*(?:(?:của|trên địa bàn) (?:tỉnh|thành phố)\s*)?(?:là|:|gồm|đạt)?\s*$"), hints=("dịch vụ", "dvctt")),
    Cue("online_services_level34.label", "online_services_level34", COUNT, label=_rx(rf"(?:tổng số|số lượng)?\s*(?:dịch vụ công trực tuyến|DVCTT)\s*{LEVEL34}\s*(?:là|:|gồm|đạt)\s*$"), hints=("mức",)),
    Cue("dossiers_received.label", "dossiers_received", COUNT, label=_rx(rf"(?:tổng số|số lượng|số) hồ sơ{_PROCEDURE} (?:đã )?(?:được )?(?:tiếp nhận|phát sinh){_PROCEDURE}\s*(?:là|:|đạt)?\s*$"), hints=("hồ sơ",)),
    Cue("dossiers_online.label", "dossiers_online", COUNT, label=_rx(rf"(?:tổng số|số lượng|số) hồ sơ{_PROCEDURE} (?:đã )?(?:được )?(?:nộp |tiếp nhận )?trực tuyến\s*(?:là|:|đạt)?\s*$"), hints=("hồ sơ",)),
    Cue("dossiers_resolved.label", "dossiers_resolved", COUNT, label=_rx(rf"(?:tổng số|số lượng|số) hồ sơ{_PROCEDURE} (?:đã )?(?:được )?giải quyết{_PROCEDURE}\s*(?:là|:|đạt)?\s*$"), hints=("hồ sơ",)),
    Cue("digital_signatures.label", "digital_signatures", COUNT, label=_rx(r"(?:tổng số|số) (?:chữ ký số|chứng thư số)[^\d]{0,50}(?:là|:|đạt)\s*$"), hints=("chữ ký", "chứng thư")),
    Cue("online_services_full.label", "online_services_full", COUNT, label=_rx(r"(?:tổng số|số)?\s*(?:dịch vụ công trực tuyến|DVCTT) toàn trình\s*(?:là|:|đạt)?\s*$"), hints=("toàn trình",)),
)

# A share written right after a count is the share of that count: '166 mức 4 (8,5%)'.
SHARE_OF = {
    "online_services_level34": "online_services_level34_pct",
    "online_services_level4": "online_services_level4_pct",
    "national_portal_services": "national_portal_services_pct",
    "online_services_full": "online_services_full_pct",
    "online_services_active": "online_services_active_pct",
    "dossiers_online": "dossiers_online_pct",
}
SHARE_LINK = _rx(r"^[\s,(]*(?:chiếm|đạt|bằng|tương đương|tương ứng|với)?\s*(?:tỷ lệ|tỉ lệ)?\s*(?:hơn|trên|khoảng|gần)?\s*$")

# Ranks: the index is named somewhere in the sentence, the rank right before the number.
# Patterns whose alternatives open with a class, a group or \b open with a lookahead of their first letters
# ('(?=[xđởg\stvh])'): the engine has no letter to skip to in them and would try every alternative at every
# position; most positions now fail at the lookahead (test_extraction_shortcuts checks that no match changes).
RANK_BEFORE = AtEnd(r"(?=[xđởg\stvh])(?:xếp|đứng|ở|giữ)?\s*(?:thứ hạng|vị trí|hạng|thứ)(?: thứ)?\s*(?:số\s*)?$",
                    ("thứ", "hạng", "vị trí", "số"))
RANK_INDEXES: tuple[tuple[str | None, Hinted], ...] = (
    ("ict_index_rank", Hinted(_rx(r"(?=[vis])(?:(?:Vietnam )?ICT[\s-]?Index|Vietnam ICT|sẵn sàng cho (?:phát triển và )?ứng dụng"
                                  r"|sẵn sàng cho ứng dụng)"), ("ict", "sẵn sàng"))),
    # Names capitalized either way: 'Chỉ số Cải cách hành chính', 'PAR index', 'Chỉ số Chuyển đổi số'.
    # The one national ranking of digital transformation, however it is named: 'xếp hạng chuyển đổi số cấp bộ, cấp
    # tỉnh', 'Chỉ số đánh giá chuyển đổi số'.
    ("dti_rank", Hinted(re.compile(r"(?=[DCcMmXx])(?:\bDTI\b|[Cc]hỉ số (?:đánh giá )?[Cc]huyển đổi số|[Cc]huyển đổi số (?:cấp bộ, )?cấp tỉnh"
                                   r"|[Mm]ức độ [Cc]huyển đổi số|[Xx]ếp hạng (?:về )?[Cc]huyển đổi số)"),
                        ("DTI", "huyển đổi số"))),
    ("par_index_rank", Hinted(re.compile(r"(?=[PCc])(?:PAR[\s-]?(?:INDEX|[Ii]ndex)|[Cc]hỉ số [Cc]ải cách hành chính"
                                         r"|[Cc]hỉ số CCHC)"),
                              ("PAR", "ải cách hành chính", "CCHC"))),
    ("service_index_rank", Hinted(_rx(r"phục vụ người dân,? (?:và )?doanh nghiệp|Bộ chỉ số phục vụ|Quyết định (?:số )?766"),
                                  ("phục vụ", "766"))),
    # Rankings outside the catalogue: a rank named for one of these is not a mention.
    (None, Hinted(re.compile(r"(?=[PSCcnhMm])(?:\bPAPI\b|\bPCI\b|\bPGI\b|SIPAS|[Cc]hỉ số hài lòng|năng lực cạnh tranh|hiệu quả quản trị"
                             r"|[Mm]ức độ ứng dụng (?:CNTT|công nghệ thông tin)|[Cc]hính phủ điện tử|[Cc]hính quyền điện tử)"),
                  ("PAPI", "PCI", "PGI", "SIPAS", "hài lòng", "cạnh tranh", "quản trị", "ứng dụng", "điện tử"))),
    # The economy is ranked too: 'tăng trưởng kinh tế ... thứ 16 cả nước' is no index's rank. Apart from
    # the indexes above, so that its pattern runs only where its own words are.
    (None, Hinted(re.compile(r"(?=[TtGQq])(?:[Tt]ăng trưởng (?:kinh tế|GRDP)|\bGRDP\b|[Qq]uy mô (?:kinh tế|nền kinh tế)|[Tt]hu ngân sách"
                             r"|[Tt]hu hút (?:đầu tư|vốn|FDI))"),
                  ("ăng trưởng", "GRDP", "uy mô", "hu ngân sách", "hu hút"))),
)
# The edition of an index, written right after its name: 'ICT Index 2016', '(DTI) năm 2022', 'PAR INDEX 2023:'.
EDITION_YEAR = re.compile(r"(?:\)|\s|cấp tỉnh|của Việt Nam)*\s*(?:[Nn]ăm\s+)?((?:19|20)\d\d)(?![\d/])")
# A region named before the rank in its clause: 'Trong khu vực đồng bằng sông Cửu Long, Cà Mau đứng thứ 3'.
REGIONAL_BEFORE = Hinted(_rx(r"(?:trong|tại|ở|của|so với)\s+(?:các tỉnh(?:,? thành phố)?\s+)?(?:khu vực|vùng|miền)(?!\w)"),
                         ("khu vực", "vùng", "miền"))
REGIONAL = _rx(r"^\W{0,3}(?:/\d+\s*)?(?:tỉnh,? thành phố\s*)?(?:trong|của|tại|ở)?\s*(?:số\s*)?(?:các tỉnh|khu vực|vùng|miền|nhóm|Tây Nguyên|đồng bằng|ĐBSCL|Đông Nam Bộ|Tây Bắc|duyên hải|Bắc Trung Bộ)")
# A rank of a part of an index (a DTI pillar, a PAR field) is not the province's overall rank.
# The DTI's pillars are named as such too: 'thể chế số', 'hạ tầng số', 'an toàn thông tin mạng', 'nhân lực số'.
SUB_INDEX = Hinted(_rx(r"chỉ số (?:thành phần|phụ(?!\w))|điểm thành phần|trụ cột|lĩnh vực|tiêu chí|nhóm chỉ số"
                         r"|chính quyền số|kinh tế số|xã hội số|thể chế số|hạ tầng số|nhân lực số|nền tảng số|dữ liệu số"
                         r"|nhận thức số|chuyển đổi nhận thức|an toàn thông tin|an ninh mạng"
                         # the ICT Index's parts, the DTI pillars' initials, a part named in quotes ('Ở chỉ số “...”')
                         r"|hạ tầng kỹ thuật|hạ tầng nhân lực|\bCQS\b|\bKTS\b|\bXHS\b|chỉ số\s*[\"“]"),
                     ("thành phần", "chỉ số phụ", "trụ cột", "lĩnh vực", "tiêu chí", "nhóm chỉ số", "quyền số", "tế số",
                      "hội số", "chế số", "tầng số", "lực số", "tảng số", "liệu số", "thức số", "chuyển đổi nhận thức",
                      "an toàn thông tin", "an ninh mạng", "tầng kỹ thuật", "tầng nhân lực", "cqs", "kts", "xhs", "“", '"'))

# What turns a figure into a goal, and what turns a goal phrase back into a result.
TARGET = Hinted(
    _rx(r"(?=[pmcktđydhsn])(?:phấn đấu|mục tiêu|chỉ tiêu|kế hoạch (?:đề ra|giao|năm|đặt ra)|theo kế hoạch|đề ra|đặt ra|yêu cầu|dự kiến"
        r"|định hướng|hướng tới|\bsẽ\b|cần đạt|phải đạt|tiếp tục nâng|nâng (?:tỷ lệ|cao tỷ lệ)|đến năm 20\d\d|cố gắng)"),
    ("phấn đấu", "mục tiêu", "chỉ tiêu", "kế hoạch", "đề ra", "đặt ra", "yêu cầu", "dự kiến", "định hướng", "hướng tới",
     "sẽ", "cần đạt", "phải đạt", "nâng", "đến năm", "cố gắng"),
)
NOT_TARGET = _rx(r"(?=[vshkcm])(?:vượt (?:kế hoạch|chỉ tiêu|mục tiêu)|so với (?:kế hoạch|chỉ tiêu|mục tiêu)|hoàn thành (?:kế hoạch|chỉ tiêu|mục tiêu)|(?:kế hoạch|chỉ tiêu|mục tiêu) đề ra[^\d]{0,20}$)")

# A figure of one part of the government, not of the whole province.
PART_OF_GOVERNMENT = Hinted(re.compile(
    # Every alternative starts with one of these letters: the lookahead lets the engine skip the rest fast.
    r"(?=[BCKRSTUckhqrstỦủ])(?:"
    r"(?<!Theo )(?<!theo )(?<!của )\bBộ (?!Thông tin|chỉ số)[A-ZĐ]\w*|khối bộ, ngành|"
    r"\b[Ss]ở (?!ban|,|ngành|Thông tin và Truyền thông (?:cho biết|báo cáo))[A-ZĐ]\w*"
    r"|(?:UBND|Ủy ban nhân dân|ủy ban nhân dân) (?:huyện|thị xã|thành phố|TP\.?|quận) [A-ZĐ]"
    r"|\b(?:huyện|thị xã|quận) [A-ZĐ]\w+"
    r"|(?<!từ )(?<!các )(?<!đến )\bcấp (?:tỉnh|huyện|xã)\b(?! (?:đến|và|tới))"
    r"|Bộ phận (?:một cửa|Một cửa) (?:của|tại) [A-ZĐ]|Trung tâm Phục vụ hành chính công (?:huyện|thị xã)"
    # A block of the government as the subject of the figure: 'các sở, ban, ngành tiếp nhận 23.233 hồ sơ'.
    r"|(?:[Cc]ác|[Kk]hối) (?:sở,? ban,? ngành|huyện,? thị xã|UBND cấp huyện|đơn vị cấp huyện)[^.;\d]{0,30}?"
    r"(?= (?:đã |đều |cùng )?(?:tiếp nhận|giải quyết|nhận|xử lý|đạt))"
    r"|Công an (?:tỉnh|huyện|thành phố)|Bảo hiểm [Xx]ã hội (?:tỉnh|huyện)|Cục Thuế|Kho bạc|Ban Quản lý)"
), ("Sở", "sở", "UBND", "ban nhân dân", "huyện", "thị xã", "quận", "cấp ", "Bộ", "bộ, ngành", "Trung tâm", "Công an",
    "Bảo hiểm", "Cục Thuế", "Kho bạc", "Ban Quản lý"), reach=8)
# A ministry as the subject of a rank: 'Bộ Khoa học và Công nghệ lên vị trí thứ 9'.
# Ministries, and the central agencies ranked and scored beside them (DTI, the 766 index): not provinces.
MINISTRY = Hinted(re.compile(r"(?<!Theo )(?<!theo )(?<!của )\bBộ (?!Thông tin|chỉ số)[A-ZĐ]\w*|cơ quan ngang bộ"
                             r"|nhóm (?:các )?bộ\b|Bảo hiểm [Xx]ã hội Việt Nam|Ngân hàng Nhà nước|Thông tấn xã Việt Nam"
                             r"|Đài (?:Truyền hình|Tiếng nói) Việt Nam|Viện Hàn lâm|Ủy ban Dân tộc|Kiểm toán Nhà nước"
                             r"|Thanh tra Chính phủ"),
                  ("Bộ", "bộ", "Bảo hiểm", "Ngân hàng", "Thông tấn", "Đài ", "Viện Hàn lâm", "Dân tộc", "Kiểm toán",
                   "Thanh tra"))
PROVINCE_WIDE = _rx(r"(?=[tcb])(?:toàn tỉnh|cả tỉnh|toàn thành phố|trên địa bàn tỉnh|của tỉnh|tỉnh đã|từ cấp tỉnh đến cấp|(?:cả|tất cả) 3 cấp|ba cấp|các cấp|tất cả các|cho biết|báo cáo|thông tin)")

# Figures that belong to no indicator however close the cue: staff, ISO, population shares.
# A percent that compares with another period or total: 'bằng 205,6% so với quý I', 'vượt 90% tổng số của cả năm 2021'.
NOT_A_SHARE_HEAD = _rx(r"^\W*(?:so với|tổng số của|số [^\d.;]{0,30} của (?:cả )?(?:năm|quý|tháng|cùng kỳ|kỳ trước)"
                       r"|của (?:cả )?(?:năm|quý|tháng|cùng kỳ|kỳ trước)|cùng kỳ)")
NOT_A_FIGURE_HEAD = _rx(r"^\W*(?:bậc|lần|người|cán bộ(?!.{0,80}(?:hộp thư|thư điện tử))|công chức|đoàn viên|hộ(?!\w)|ha\b|km|tin, bài|tin bài|bài viết|lượt|năm\b|tháng|ngày|giờ|phút|đơn vị.{0,40}ISO|cơ quan.{0,40}ISO|nhiệm vụ|dự án|đề án|ứng dụng|phần mềm|CSDL|cơ sở dữ liệu)")

AT_LEAST = AtEnd(r"(?:ít nhất|tối thiểu)\s*$", ("ít nhất", "tối thiểu"))
QUALIFIERS: tuple[tuple[str, Caseless], ...] = (
    ("about", AtEnd(r"(?:khoảng|gần|xấp xỉ|ước(?: đạt| tính)?|khoảng hơn|hơn khoảng|chừng|tầm)\s*(?:hơn\s*)?$",
                    ("khoảng", "gần", "xỉ", "ước", "đạt", "tính", "hơn", "chừng", "tầm"))),
    ("more_than", AtEnd(r"(?:hơn|trên|vượt|hơn\s+là|lên tới hơn|lên đến hơn)\s*$", ("hơn", "trên", "vượt", "là"))),
    ("at_least", AT_LEAST),
)
QUALIFIER_ENDINGS = tuple(dict.fromkeys(ending for _, pattern in QUALIFIERS for ending in pattern.endings))
# A change, not a level: 'tăng 3,61 điểm', 'cao hơn 0,1783 điểm', 'giảm 3 bậc' (but 'tăng lên 98%' is a level).
# 'tăng 3,61 điểm', 'tăng nhẹ 0,5 điểm', 'kém 0,4 điểm', 'chênh lệch 1,2 điểm': a change or a gap, not a level.
CHANGE_BEFORE = _rx(r"(?:tăng|giảm|kém|chênh lệch|cao hơn|thấp hơn)(?:\s+(?:nhẹ|mạnh|thêm|khoảng|hơn|gần|bình quân cả nước"
                    r"|trung bình cả nước|so với [^\d,.;:]{0,25})){0,2}\s*$")
# A bound, not a figure: 'dưới 10%', 'chưa đạt 50%', 'không quá 5 ngày'.
UPPER_BOUND_BEFORE = AtEnd(r"(?:dưới|chưa đến|chưa tới|chưa đạt|chưa vượt|không quá|không đến|không tới|tối đa)\s*$",
                           ("dưới", "đến", "tới", "đạt", "vượt", "quá", "tối đa"))
RANGE_START = AtEnd(r"(?:dao động|trong khoảng|từ)\s*$", ("dao động", "khoảng", "từ"))
RANGE_LINKS = frozenset(("đến", "tới", "-", "–"))  # the words between the two ends, lowercased and stripped
# A percent written as a non-catalogue index's score: 'PAR Index đạt 92,18%' (the PAR score is not catalogued).
PERCENT_BLOCKERS = Hinted(re.compile(r"PAR[\s-]?(?:INDEX|Index)|[Cc]hỉ số cải cách hành chính|\bPAPI\b|\bPCI\b|\bDTI\b"
                                      r"|[Cc]hỉ số chuyển đổi số"), ("PA", "PCI", "DTI", "hỉ số c"))
# A figure named right after it: 'Vị trí thứ 2 là TP. Hồ Chí Minh'.
# Matched at the end of the figure: 'thứ 3 là TP. HCM', 'vị trí thứ hai của Hà Nội', 'thứ 3 trong bảng xếp hạng thuộc về X'.
PLACE_AFTER = _rx(r"(?:\s+trong [^\d.,;:()\n]{1,30}?)?\s*(?:là|thuộc về|của)\s+")
AT_LEAST_AFTER = _rx(r"\s*trở lên")  # 'từ 90% trở lên'
HEAD_PERCENT_CUES: tuple[Cue, ...] = (
    # '100% TTHC đủ điều kiện được cung cấp dịch vụ công trực tuyến toàn trình'
    Cue("online_services_full_pct.head", "online_services_full_pct", PERCENT, head=_rx(r"^\W*(?:thủ tục hành chính|TTHC|dịch vụ công|DVC)[^.;%]{0,70}?(?:dịch vụ công|DVC)(?:TT| trực tuyến)? toàn trình"), hints=("toàn trình",)),
    Cue("dossiers_ontime_pct.head", "dossiers_ontime_pct", PERCENT, head=_rx(r"^\W*hồ sơ[^\d%.;]{0,50}(?:đúng hạn|đúng(?:,| và|, và)\s*trước hạn|trước hạn,? và đúng hạn)"), hints=("hồ sơ",)),
    Cue("documents_electronic_pct.head", "documents_electronic_pct", PERCENT, head=_rx(r"^\W*(?:văn bản.{0,80}(?:điện tử|môi trường mạng|văn bản giấy)|.{0,40}thay thế.{0,30}văn bản giấy)"), hints=("văn bản",)),
    Cue("dossiers_online_pct.head", "dossiers_online_pct", PERCENT, head=_rx(r"^\W*hồ sơ.{0,30}(?:nộp|tiếp nhận) (?:trực tuyến|qua mạng)"), hints=("hồ sơ",)),
    Cue("online_payment_pct.head", "online_payment_pct", PERCENT, head=_rx(r"^\W*hồ sơ.{0,40}thanh toán trực tuyến"), hints=("hồ sơ",)),
)
# A count per day, week or month is a rate, not the count of a year: 'bình quân mỗi ngày khoảng 120 nghìn hồ sơ'.
PER_PERIOD = Hinted(_rx(r"(?:mỗi|hằng|hàng) (?:ngày|tuần|tháng)|(?:bình quân|trung bình) (?:mỗi |một |1 )?(?:ngày|tuần|tháng)"
                        r"|/(?:ngày|tuần|tháng)(?!\w)"),
                    ("mỗi ", "hằng ", "hàng ngày", "hàng tuần", "hàng tháng", "bình quân", "trung bình", "/ngày", "/tuần",
                     "/tháng"))
BREAKDOWN = _rx(r"trong đó|bao gồm|\bgồm\b|\briêng\b")
RANK_FROM = AtEnd(r"\btừ\s*(?:vị trí|thứ hạng|hạng|thứ)(?: thứ)?\s*$", ("thứ", "hạng", "vị trí"))
LEVEL_BEFORE = AtEnd(r"mức(?: độ)?\s*(?:[1-4]\s*(?:,|và|/)\s*)?$", ("mức", "độ", ",", "và", "/"))  # the 3 of 'mức độ 3', the 4 of 'mức 3, 4'
SKIP_BEFORE = AtEnd(r"(?:Nghị định|Quyết định|Thông tư|Chỉ thị|Kế hoạch|Nghị quyết|Công văn|(?<!tổng )số|phiên bản|ISO"
                    r"|IPv|Đề án|lần thứ|khóa|khoá|Điều|khoản|Tiêu chí|Phụ lục|mục|Chương)\s*$",
                    ("nghị định", "quyết định", "thông tư", "chỉ thị", "kế hoạch", "nghị quyết", "công văn", "số",
                     "phiên bản", "iso", "ipv", "đề án", "lần thứ", "khóa", "khoá", "điều", "khoản", "tiêu chí",
                     "phụ lục", "mục", "chương"))
SKIP_AFTER = _rx(r"\s*(?:giờ|phút|ngày|tháng|năm(?!\s*(?:19|20)\d\d)|tuổi|kỳ|lần|nhiệm kỳ)\b")


def all_cues() -> tuple[Cue, ...]:
    """Every named cue, head rules first."""
    return HEAD_CUES + LABEL_CUES + HEAD_PERCENT_CUES
