"""Analysts' corrections (issue 16): applied to the real seed articles' mentions, surviving what re-reading changes."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from indicators_pipeline.curation.corrections import CorrectionsFileError, apply, parse
from indicators_pipeline.extraction.records import article_rows
from indicators_pipeline.ingest.article import parse_article
from indicators_pipeline_tests.conftest import SEEDS

GIA_LAI = "000_60f9a98ffd6c1f26.txt"
HEADER = "article_id,title,source_path,indicator,value,evidence,action,new_value,new_indicator,new_province,new_year,reason,who,when\n"


def _read(name: str, text: str | None = None) -> tuple[dict, list[dict]]:
    data = (SEEDS / name).read_bytes() if text is None else text.encode()
    article = {**dataclasses.asdict(parse_article(data)), "source_path": name}
    return article, [r for r in article_rows(article) if not r["is_target"]]


def _frames(*articles: tuple[dict, list[dict]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (pd.DataFrame([row for _, rows in articles for row in rows]),
            pd.DataFrame([article for article, _ in articles]))


def _mention(rows: list[dict], indicator: str) -> dict:
    return next(r for r in rows if r["indicator_code"] == indicator)


def test_each_action_changes_the_reviewed_mentions_and_their_status():
    article, rows = _read(GIA_LAI)
    level3, level4, ontime = (_mention(rows, c) for c in ("online_services_level3", "online_services_level4", "dossiers_ontime_pct"))
    missed = "Gia Lai"  # any words of the article: an added figure quotes it
    corrections = parse(HEADER + "\n".join([
        f'{article["article_id"]},,,online_services_level3,196,"{level3["evidence"]}",accept,,,,,read against the article,an',
        f'{article["article_id"]},,,online_services_level4,331,"{level4["evidence"]}",set,333,,,,typo in the source,an',
        f'{article["article_id"]},,,dossiers_ontime_pct,98.92,"{ontime["evidence"]}",reject,,,,,a department figure,bình',
        f'{article["article_id"]},,,,,"{missed}",add,12,video_conference_points,,2020,missed by the reader,bình',
    ]) + "\n")
    mentions, articles = _frames((article, rows))
    applied = apply(corrections, mentions, articles)

    status = applied.status.set_index("mention_id")["review_status"]
    assert status[level3["mention_id"]] == "accepted" and status[level4["mention_id"]] == "corrected"
    assert status[ontime["mention_id"]] == "rejected"
    reviewed = applied.reviewed.set_index("indicator_code")
    assert reviewed.loc["online_services_level4", "value"] == 333
    assert "dossiers_ontime_pct" not in reviewed.index
    added = reviewed.loc["video_conference_points"]
    assert (added["value"], added["province_name"], added["year"], added["review_status"]) == (12, "Gia Lai", 2020, "added")
    assert applied.stale == [] and applied.outcomes["applied"].all()


def test_a_correction_survives_a_new_extractor_version_a_renamed_file_and_an_edit_elsewhere():
    article, rows = _read(GIA_LAI)
    level4 = _mention(rows, "online_services_level4")
    corrections = parse(HEADER + f'{article["article_id"]},"{article["title"]}",{GIA_LAI},online_services_level4,331,'
                                 f'"{level4["evidence"]}",set,333,,,,typo,an\n')
    text = (SEEDS / GIA_LAI).read_text(encoding="utf-8")
    edited = text.replace("Tham dự hội nghị", "Đến dự hội nghị")  # an unrelated edit: a new content hash, a new id
    assert edited != text
    for changed in (
        _read(GIA_LAI),  # re-parsed (any extractor version: the key holds none)
        ({**article, "source_path": "renamed/gia_lai.txt"}, [{**r, "source_path": "renamed/gia_lai.txt"} for r in rows]),
        _read(GIA_LAI, edited),
    ):
        mentions, articles = _frames(changed)
        applied = apply(corrections, mentions, articles)
        assert applied.stale == []
        assert applied.reviewed.set_index("indicator_code").loc["online_services_level4", "value"] == 333


def test_a_correction_survives_an_extractor_that_reads_the_figure_at_another_span_by_another_rule():
    """The reading a correction was written against is not the one it is applied to: a later extractor
    version finds the same words at another offset, by another rule, under another mention id."""
    article, rows = _read(GIA_LAI)
    level4 = _mention(rows, "online_services_level4")
    corrections = parse(HEADER + f'{article["article_id"]},,,online_services_level4,331,"{level4["evidence"]}",set,333,,,,typo,an\n')
    shift = 7  # e.g. a new version that keeps a heading the old one cut: every offset moves
    moved = {**level4, "char_start": level4["char_start"] + shift, "char_end": level4["char_end"] + shift,
             "rule": "a_rule_of_a_later_version",
             "mention_id": f'{article["article_id"]}:online_services_level4:{level4["char_start"] + shift}-{level4["char_end"] + shift}'}
    assert moved["mention_id"] != level4["mention_id"]
    reread = [moved if r is level4 else r for r in rows]
    applied = apply(corrections, *_frames((article, reread)))
    assert applied.stale == [] and applied.outcomes["matched"].tolist() == [moved["mention_id"]]
    reviewed = applied.reviewed.set_index("mention_id")
    assert reviewed.loc[moved["mention_id"], "value"] == 333 and reviewed.loc[moved["mention_id"], "review_status"] == "corrected"
    # A version that reads other words for the figure is another reading: reported, not applied to it silently.
    widened = {**moved, "evidence": "và " + level4["evidence"], "char_start": moved["char_start"] - 3}
    applied = apply(corrections, *_frames((article, [widened if r is moved else r for r in reread])))
    assert len(applied.stale) == 1 and "evidence" in applied.stale[0]
    assert 333 not in set(applied.reviewed["value"])


def test_a_correction_that_matches_nothing_is_reported_not_dropped():
    article, rows = _read(GIA_LAI)
    corrections = parse(HEADER + "\n".join([
        f'{article["article_id"]},,,online_services_level4,331,"a sentence the article does not have",reject,,,,,x,an',
        f'{article["article_id"]},,,,,"words the article does not have",add,5,video_conference_points,,,x,an',
        'ffffffffffffffff,,,online_services_level4,331,"331 dịch vụ",reject,,,,,x,an',
    ]) + "\n")
    applied = apply(corrections, *_frames((article, rows)))
    assert len(applied.stale) == 3 and not applied.outcomes["applied"].any()
    assert "must quote the article" in applied.stale[1] and "not in the warehouse" in applied.stale[2]
    assert len(applied.reviewed) == len(rows)  # nothing changed


@pytest.mark.parametrize("row, message", [
    ("x,,,online_services_level4,331,331 dịch vụ,fix,,,,,typo,an", "line 2: action 'fix'"),
    ("x,,,online_services_level4,331,331 dịch vụ,set,,,,,typo,an", "line 2: 'set' changes nothing"),
    ("x,,,online_services_level9,331,331 dịch vụ,reject,,,,,typo,an", "line 2: indicator 'online_services_level9'"),
    ("x,,,online_services_level4,abc,331 dịch vụ,reject,,,,,typo,an", "line 2: value 'abc' is not a number"),
    ("x,,,online_services_level4,331,331 dịch vụ,reject,,,,,,an", "line 2: reason is empty"),
    ("x,,,online_services_level4,331,331 dịch vụ,set,,,Gia Lay,,typo,an", "line 2: new_province 'Gia Lay'"),
])
def test_a_malformed_row_is_an_error_naming_its_line(row, message):
    with pytest.raises(CorrectionsFileError, match=message):
        parse(HEADER + row + "\n")


def test_applying_the_same_corrections_twice_gives_the_same_tables():
    article, rows = _read(GIA_LAI)
    level4 = _mention(rows, "online_services_level4")
    corrections = parse(HEADER + f'{article["article_id"]},,,online_services_level4,331,"{level4["evidence"]}",set,333,,,,t,an\n')
    first, second = (apply(corrections, *_frames((article, rows))) for _ in range(2))
    pd.testing.assert_frame_equal(first.reviewed, second.reviewed)
    pd.testing.assert_frame_equal(first.status, second.status)


def test_the_shipped_corrections_all_apply_to_the_seed_articles():
    """The repository's own curation file: a rule change that moves a reviewed figure shows here first."""
    from indicators_pipeline import settings
    from indicators_pipeline.curation.corrections import load

    corrections = load(settings.resolve(settings.DEFAULT_CORRECTIONS))
    assert corrections, "the shipped file holds the seed review"
    applied = apply(corrections, *_frames(*(_read(p.name) for p in sorted(SEEDS.glob("*.txt")))))
    assert applied.stale == []
