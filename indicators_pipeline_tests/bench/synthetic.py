"""A synthetic corpus with known ground truth, in the sentence styles of provincial e-government news.

Each article has a headline, a dateline, figures of one province for one year (facts, the ground
truth), and distractors that are not facts: targets, one department's figures, staff counts.
"""
from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from indicators_pipeline import reference
from indicators_pipeline.extraction.numbers import format_number

FILLER = (
    "Hội nghị có sự tham dự của đại diện lãnh đạo các sở, ban, ngành, UBND các huyện, thị xã, thành phố "
    "và các doanh nghiệp viễn thông trên địa bàn. Các đại biểu đã thảo luận về những khó khăn, vướng mắc "
    "trong quá trình triển khai, đồng thời đề xuất nhiều giải pháp nâng cao chất lượng phục vụ người dân, "
    "doanh nghiệp. Công tác tuyên truyền được đẩy mạnh trên các phương tiện thông tin đại chúng, góp phần "
    "nâng cao nhận thức của cán bộ, công chức và người dân về chuyển đổi số.\n\n"
)


@dataclass(frozen=True)
class Fact:
    indicator: str
    value: float
    qualifier: str = "exact"
    as_of_publication: bool = False  # 'đến nay': the year of publication (ANNOTATION.md)
    undated: bool = False  # no time word in a review of the past year: either year, as gold lists it


def _services_pre_2022(rng: random.Random, province: str, year: int) -> tuple[str, list[Fact]]:
    level3, level4 = rng.randint(100, 900), rng.randint(50, 900)
    total = level3 + level4 + rng.randint(800, 1500)
    share = round(100 * (level3 + level4) / total, 1)
    text = (f"Năm {year}, tỉnh {province} cung cấp {format_number(total)} dịch vụ công trực tuyến, trong đó có "
            f"{format_number(level3)} dịch vụ công trực tuyến mức độ 3 và {format_number(level4)} dịch vụ công trực tuyến "
            f"mức độ 4. Tổng số dịch vụ công trực tuyến mức độ 3 và 4 là {format_number(level3 + level4)}, đạt tỷ lệ "
            f"{format_number(share, 1)}%. ")
    return text, [Fact("online_services_total", total), Fact("online_services_level3", level3),
                  Fact("online_services_level4", level4), Fact("online_services_level34", level3 + level4, undated=True),
                  Fact("online_services_level34_pct", share, undated=True)]


def _services_post_2022(rng: random.Random, province: str, year: int) -> tuple[str, list[Fact]]:
    full, partial = rng.randint(300, 1200), rng.randint(200, 900)
    procedures = full + partial + rng.randint(100, 600)
    share = round(100 * full / procedures, 1)
    text = (f"Đến nay, toàn tỉnh đã công bố {format_number(procedures)} thủ tục hành chính; trong năm {year} cung cấp "
            f"{format_number(full)} dịch vụ công trực tuyến toàn trình và {format_number(partial)} dịch vụ công trực tuyến "
            f"một phần, tỷ lệ dịch vụ công trực tuyến toàn trình đạt {format_number(share, 1)}%. ")
    return text, [Fact("procedures_total", procedures, as_of_publication=True), Fact("online_services_full", full), Fact("online_services_partial", partial),
                  Fact("online_services_full_pct", share)]


def _dossiers(rng: random.Random, province: str, year: int) -> tuple[str, list[Fact]]:
    received = rng.randint(50_000, 900_000)
    online = rng.randint(5_000, received // 2)
    ontime = round(rng.uniform(90, 99.9), 2)
    department = rng.randint(1_000, 9_000)
    text = (f"Trong năm {year}, hệ thống một cửa điện tử của tỉnh đã tiếp nhận {format_number(received)} hồ sơ, trong đó "
            f"{format_number(online)} hồ sơ trực tuyến; tỷ lệ hồ sơ giải quyết đúng hạn đạt {format_number(ontime, 2)}%. "
            f"Riêng Sở Tư pháp tiếp nhận {format_number(department)} hồ sơ. ")
    return text, [Fact("dossiers_received", received), Fact("dossiers_online", online), Fact("dossiers_ontime_pct", ontime)]


def _targets_and_staff(rng: random.Random, province: str, year: int) -> tuple[str, list[Fact]]:
    text = (f"Phần mềm quản lý cán bộ hiện quản lý gần {format_number(rng.randint(5_000, 30_000))} hồ sơ cán bộ, công chức. "
            f"Năm {year + 1}, tỉnh phấn đấu tỷ lệ hồ sơ giải quyết đúng hạn đạt {rng.randint(95, 100)}% và "
            f"tỷ lệ thanh toán trực tuyến đạt {rng.randint(30, 60)}%. ")
    return text, []


def _ranks(rng: random.Random, province: str, year: int) -> tuple[str, list[Fact]]:
    rank = rng.randint(1, 63)
    score = round(rng.uniform(70, 95), 2)
    text = (f"Chỉ số chuyển đổi số (DTI) năm {year} của tỉnh xếp thứ {rank}/63 tỉnh, thành phố. "
            f"Chỉ số hài lòng về sự phục vụ hành chính (SIPAS) năm {year} đạt {format_number(score, 2)}%. ")
    return text, [Fact("dti_rank", rank), Fact("sipas_pct", score)]


def _investment(rng: random.Random, province: str, year: int) -> tuple[str, list[Fact]]:
    total = round(rng.uniform(20, 300), 1)
    part = round(total * 0.6, 1)
    text = (f"Năm {year}, tổng kinh phí đầu tư cho công nghệ thông tin của tỉnh là {format_number(total, 1)} tỷ đồng, "
            f"trong đó cấp tỉnh {format_number(part, 1)} tỷ đồng. ")
    return text, [Fact("it_investment_bn_vnd", total)]


def article(rng: random.Random, number: int, agreeing: float = 0.0) -> tuple[str, str, str, int, list[Fact]]:
    """(file name, text, province, year, facts) of one synthetic article. agreeing: the share of articles whose
    figures are their province and year's own, the same in every such article (0: every article draws its own, so
    nearly every fact has reports that disagree; real news mostly repeats one official figure)."""
    province = rng.choice(list(reference.provinces().values())).name
    year = rng.randint(2017, 2024)
    sections = [_dossiers, _targets_and_staff, _ranks, _investment,
                _services_pre_2022 if year < 2022 else _services_post_2022]
    rng.shuffle(sections)
    agrees = agreeing > 0 and rng.random() < agreeing  # no draw at 0: the default corpus stays as it was
    body, facts = [], []
    for section in sections:
        figures = random.Random(f"{province}|{year}|{section.__name__}") if agrees else rng
        text, found = section(figures, province, year)
        body.append(text + "\n\n" + FILLER * rng.randint(1, 3))
        facts.extend(found)
    day, month = rng.randint(1, 28), rng.randint(3, 12)
    text = (f"Tỉnh {province}: kết quả chuyển đổi số và cải cách hành chính năm {year} (bài {number})\n\n"
            f"{day:02d}/{month:02d}/{year + 1}\n\n" + "".join(body))
    return f"{number:06d}.txt", text, province, year, facts


def write_corpus(folder: Path, count: int, truth: Path, seed: int = 7, start: int = 0, agreeing: float = 0.0) -> None:
    """Write articles start..start+count into folder and append their ground truth (scorer format) to truth
    (agreeing: see article())."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed * 1_000_003 + start)
    new_file = not truth.exists()
    with open(truth, "a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if new_file:
            writer.writerow(["file", "indicator", "value", "qualifier", "province", "year", "optional", "evidence"])
        for number in range(start, start + count):
            name, text, province, year, facts = article(rng, number, agreeing)
            (folder / name).write_text(text, encoding="utf-8")
            for fact in facts:
                # published the year after the year it reviews
                fact_year = year + 1 if fact.as_of_publication else f"{year}|{year + 1}" if fact.undated else year
                writer.writerow([name, fact.indicator, fact.value, fact.qualifier, province, fact_year, 0, ""])
