"""Articles to mention rows for the warehouse, re-parsing only what is new or what new rules would change."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Iterable

import pandas as pd

from indicators_pipeline import merger
from indicators_pipeline.extraction.mentions import EXTRACTOR_VERSION, ArticleContext, extract_mentions
from indicators_pipeline.parallel import map_ordered
from indicators_pipeline.warehouse import tables


@dataclass
class ExtractionResult:
    mentions: pd.DataFrame  # new fact rows (of the articles parsed now)
    targets: pd.DataFrame  # new target rows
    parsed: pd.DataFrame  # the parse log of every current article
    parsed_ids: list[str]  # articles parsed now: their old rows go
    current_ids: list[str]  # every current article: rows of other articles go
    stats: dict[str, int] = field(default_factory=dict)


def _as_date(value) -> dt.date | None:
    if value is None or (not isinstance(value, (dt.date, str)) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _optional_int(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def article_rows(article: dict) -> list[dict]:
    """Mention rows (facts and targets, `is_target` set) of one article row of raw.articles."""
    published = _as_date(article.get("published_date"))
    context = ArticleContext(
        province_code=article.get("province_code") or None,
        reference_year=_optional_int(article.get("reference_year")),
        published=published,
    )
    rows = []
    for mention in extract_mentions(article["text"], context):
        place = merger.attribute(mention.province_code, mention.year, published)
        rows.append(dict(
            mention_id=f"{article['article_id']}:{mention.indicator_code}:{mention.char_start}",
            article_id=article["article_id"],
            source_path=article["source_path"],
            indicator_code=mention.indicator_code,
            value=mention.value,
            unit=mention.unit,
            qualifier=mention.qualifier,
            province_code=place.province_code if place else None,
            province_name=place.province_name if place else None,
            province_2025_code=place.province_2025_code if place else None,
            year=mention.year,
            evidence=mention.evidence,
            char_start=mention.char_start,
            char_end=mention.char_end,
            decimals=mention.decimals,
            published_date=published,
            extractor_version=EXTRACTOR_VERSION,
            is_target=mention.is_target,
        ))
    return rows


SIGNATURE_COLUMNS = ["article_id", "content_sha256", "province_code", "reference_year", "published_date"]


def _signature_part(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a year read next to NULLs arrives as a float
    if isinstance(value, (dt.date, pd.Timestamp)):
        return str(value)[:10]
    return str(value)


def input_signatures(articles: pd.DataFrame) -> list[str]:
    """What extraction reads of an article: when any of it changes, the article is parsed again."""
    return ["|".join(_signature_part(v) for v in values)
            for values in articles[SIGNATURE_COLUMNS[1:]].itertuples(index=False)]


def extract(article_index: pd.DataFrame, previous_parsed: pd.DataFrame,
            load_articles: Callable[[list[str]], Iterable[pd.DataFrame]],
            on_rows: Callable[[list[str], pd.DataFrame, pd.DataFrame], None] | None = None) -> ExtractionResult:
    """Mentions of the articles not parsed yet with their text and these rules; the rest keep theirs.

    article_index: SIGNATURE_COLUMNS of every current article. load_articles(ids) yields the full
    rows of the articles to parse in batches (one pass over the stored texts; unchanged texts are
    never read). Parsed batches go to on_rows(article_ids, mentions, targets); without it they are
    collected in the result.
    """
    done = {
        (row.article_id, row.input_signature)
        for row in previous_parsed.itertuples(index=False)
        if row.extractor_version == EXTRACTOR_VERSION
    }
    pairs = list(zip(article_index["article_id"], input_signatures(article_index)))
    reuse_ids = {a for a, h in pairs if (a, h) in done}
    to_parse = sorted(a for a, _ in pairs if a not in reuse_ids)

    collected: list[tuple[pd.DataFrame, pd.DataFrame]] = []
    parsed_rows: list[dict] = []
    counts = dict(new_mentions=0, new_targets=0)
    for batch in (load_articles(to_parse) if to_parse else []):
        articles = batch.to_dict("records")
        batch_ids = [a["article_id"] for a in articles]
        new_rows: list[dict] = []
        for article, signature, rows in zip(articles, input_signatures(batch), map_ordered(article_rows, articles)):
            new_rows.extend(rows)
            parsed_rows.append(dict(article_id=article["article_id"], content_sha256=article["content_sha256"],
                                    input_signature=signature,
                                    extractor_version=EXTRACTOR_VERSION,
                                    n_mentions=sum(not r["is_target"] for r in rows),
                                    n_targets=sum(r["is_target"] for r in rows)))
        fresh = pd.DataFrame(new_rows, columns=[*tables.MENTIONS.column_names, "is_target"])
        is_target = fresh["is_target"].astype(bool)
        mentions, targets = fresh[~is_target][tables.MENTIONS.column_names], fresh[is_target][tables.TARGETS.column_names]
        counts["new_mentions"] += len(mentions)
        counts["new_targets"] += len(targets)
        if on_rows is None:
            collected.append((mentions, targets))
        else:
            on_rows(batch_ids, mentions, targets)
    parsed = _concat(previous_parsed[previous_parsed["article_id"].isin(reuse_ids)],
                     pd.DataFrame(parsed_rows, columns=tables.PARSED_ARTICLES.column_names), tables.PARSED_ARTICLES)
    stats = dict(articles=len(article_index), parsed=len(parsed_rows), reused=len(reuse_ids), **counts)
    empty_m, empty_t = pd.DataFrame(columns=tables.MENTIONS.column_names), pd.DataFrame(columns=tables.TARGETS.column_names)
    return ExtractionResult(
        mentions=pd.concat([m for m, _ in collected], ignore_index=True) if collected else empty_m,
        targets=pd.concat([t for _, t in collected], ignore_index=True) if collected else empty_t,
        parsed=parsed, parsed_ids=to_parse, current_ids=[a for a, _ in pairs], stats=stats)


def _concat(old: pd.DataFrame, new: pd.DataFrame, table: tables.Table) -> pd.DataFrame:
    """Carried-over and fresh rows in one stable order, so a rerun gives identical tables."""
    frames = [f[table.column_names] for f in (old, new) if len(f)]
    if not frames:
        return pd.DataFrame(columns=table.column_names)
    combined = pd.concat(frames, ignore_index=True)
    order = [c for c in ("source_path", "char_start", "indicator_code", "article_id") if c in table.column_names]
    return combined.sort_values(order, kind="stable").reset_index(drop=True)
