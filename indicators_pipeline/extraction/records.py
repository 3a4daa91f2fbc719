"""Articles to mention rows for the warehouse, re-parsing only what is new or what new rules would change."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Iterable

import pandas as pd

from indicators_pipeline import merger
from indicators_pipeline.confidence import confidence
from indicators_pipeline.extraction.dates import as_date
from indicators_pipeline.extraction.mentions import EXTRACTOR_VERSION, ArticleContext, extract_mentions
from indicators_pipeline.ingest.folder import PARSER_FAILURE
from indicators_pipeline.parallel import map_batches
from indicators_pipeline.warehouse import tables


@dataclass
class ExtractionResult:
    mentions: pd.DataFrame  # new fact rows (of the articles parsed now)
    targets: pd.DataFrame  # new target rows
    errors: pd.DataFrame  # articles whose extraction raised (tables.EXTRACTION_ERRORS), of the articles parsed now
    parsed: pd.DataFrame  # the parse log of every current article
    parsed_ids: list[str]  # articles parsed now: their old rows go
    current_ids: list[str]  # every current article: rows of other articles go
    stats: dict[str, int] = field(default_factory=dict)


def _optional_int(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def mention_key(article_id: str, indicator_code: str, char_start: int, char_end: int) -> str:
    """A mention's id from the figure's own span: several figures may share a label, never a span."""
    return f"{article_id}:{indicator_code}:{char_start}-{char_end}"


def article_rows(article: dict) -> list[dict]:
    """Mention rows (facts and targets, `is_target` set) of one article row of raw.articles."""
    published = as_date(article.get("published_date"))
    context = ArticleContext(
        province_code=article.get("province_code") or None,
        reference_year=_optional_int(article.get("reference_year")),
        published=published,
        reference_year_source=article.get("reference_year_source") or "none",
    )
    article_province_source = article.get("province_source") or "none"
    rows = []
    seen: set[str] = set()
    for mention in extract_mentions(article["text"], context):
        mention_id = mention_key(article["article_id"], mention.indicator_code, mention.char_start, mention.char_end)
        if mention_id in seen:
            continue  # one span read twice as one indicator is one figure (spec: the same figure once)
        seen.add(mention_id)
        place = merger.attribute(mention.province_code, mention.year, published)
        # 'reference' and 'article' are the article's own year and province: say where those came from
        year_source = context.reference_year_source if mention.year_source == "reference" else mention.year_source
        province_source = article_province_source if mention.province_source == "article" else mention.province_source
        rows.append(dict(
            mention_id=mention_id,
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
            rule=mention.rule,
            # a period frame's quarter or month, else the year (which a later rule may have moved: 'từ vị trí 49 lên 23')
            period=mention.period if mention.year_source == "period" else None if mention.year is None else str(mention.year),
            year_source=year_source,
            province_source=province_source,
            confidence=confidence(mention.rule, mention.indicator_code, year_source, province_source),
            is_target=mention.is_target,
            cue=mention.cue,  # the named cue (extraction/rules.py), for first readings; not a warehouse column
        ))
    return rows


MAX_MESSAGE_CHARS = 500


def error_row(article: dict, stage: str, error: BaseException) -> dict:
    """A row of tables.EXTRACTION_ERRORS: which article, at which stage, what was raised."""
    return dict(article_id=article.get("article_id"), source_path=article.get("source_path"), stage=stage,
                error_class=type(error).__name__, message=str(error)[:MAX_MESSAGE_CHARS],
                extractor_version=EXTRACTOR_VERSION)


def read_error_rows(inventory: pd.DataFrame) -> pd.DataFrame:
    """tables.EXTRACTION_ERRORS rows of the files whose reading raised (their rejection reason says so)."""
    reasons = inventory["reason"].fillna("")
    failed = inventory[reasons.str.startswith(PARSER_FAILURE + ": ")]
    rows = []
    for path, reason in zip(failed["source_path"], failed["reason"]):
        error_class, _, message = reason[len(PARSER_FAILURE) + 2:].partition(": ")
        rows.append(dict(article_id=None, source_path=path, stage="read", error_class=error_class,
                         message=message[:MAX_MESSAGE_CHARS], extractor_version=EXTRACTOR_VERSION))
    return pd.DataFrame(rows, columns=tables.EXTRACTION_ERRORS.column_names)


def rows_or_error(article: dict) -> tuple[list[dict], dict | None]:
    """One article's rows, or the error that stopped them: one article never stops the others."""
    try:
        return article_rows(article), None
    except Exception as error:  # a rule's bug on one text: recorded, the run goes on
        return [], error_row(article, "extract", error)


SIGNATURE_COLUMNS = ["article_id", "content_sha256", "province_code", "reference_year", "published_date",
                     "province_source", "reference_year_source"]


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
            on_rows: Callable[[list[str], pd.DataFrame, pd.DataFrame, pd.DataFrame], None] | None = None,
            ) -> ExtractionResult:
    """Mentions of the articles not parsed yet with their text and these rules; the rest keep theirs.

    article_index: SIGNATURE_COLUMNS of every current article. load_articles(ids) yields the full
    rows of the articles to parse in batches (one pass over the stored texts; unchanged texts are
    never read). Parsed batches go to on_rows(article_ids, mentions, targets, errors); without it
    they are collected in the result. An article whose extraction raises gives an error row and no
    mentions; it is parsed again when the rules change.
    """
    done = {
        (row.article_id, row.input_signature)
        for row in previous_parsed.itertuples(index=False)
        if row.extractor_version == EXTRACTOR_VERSION
    }
    pairs = list(zip(article_index["article_id"], input_signatures(article_index)))
    reuse_ids = {a for a, h in pairs if (a, h) in done}
    to_parse = sorted(a for a, _ in pairs if a not in reuse_ids)

    collected: list[tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]] = []
    parsed_rows: list[dict] = []
    counts = dict(new_mentions=0, new_targets=0, errors=0)
    batches = load_articles(to_parse) if to_parse else []
    for batch, articles, results in map_batches(rows_or_error, batches, items=lambda b: b.to_dict("records")):
        batch_ids = [a["article_id"] for a in articles]
        new_rows: list[dict] = []
        error_rows: list[dict] = []
        for article, signature, (rows, error) in zip(articles, input_signatures(batch), results):
            new_rows.extend(rows)
            if error is not None:
                error_rows.append(error)
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
        errors = pd.DataFrame(error_rows, columns=tables.EXTRACTION_ERRORS.column_names)
        counts["errors"] += len(errors)
        if on_rows is None:
            collected.append((mentions, targets, errors))
        else:
            on_rows(batch_ids, mentions, targets, errors)
    parsed = _concat(previous_parsed[previous_parsed["article_id"].isin(reuse_ids)],
                     pd.DataFrame(parsed_rows, columns=tables.PARSED_ARTICLES.column_names), tables.PARSED_ARTICLES)
    stats = dict(articles=len(article_index), parsed=len(parsed_rows), reused=len(reuse_ids), **counts)
    def gathered(part: int, table: tables.Table) -> pd.DataFrame:
        frames = [c[part] for c in collected]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=table.column_names)

    return ExtractionResult(
        mentions=gathered(0, tables.MENTIONS), targets=gathered(1, tables.TARGETS),
        errors=gathered(2, tables.EXTRACTION_ERRORS),
        parsed=parsed, parsed_ids=to_parse, current_ids=[a for a, _ in pairs], stats=stats)


def _concat(old: pd.DataFrame, new: pd.DataFrame, table: tables.Table) -> pd.DataFrame:
    """Carried-over and fresh rows in one stable order, so a rerun gives identical tables."""
    frames = [f[table.column_names] for f in (old, new) if len(f)]
    if not frames:
        return pd.DataFrame(columns=table.column_names)
    combined = pd.concat(frames, ignore_index=True)
    order = [c for c in ("source_path", "char_start", "indicator_code", "article_id") if c in table.column_names]
    return combined.sort_values(order, kind="stable").reset_index(drop=True)
