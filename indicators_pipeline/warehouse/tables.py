"""Every warehouse table with its columns, types and descriptions: the contract of spec/WAREHOUSE.md.

One definition feeds the DDL, the COMMENT ON statements BI tools show, and the column schema the
Dagster UI shows.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Table:
    name: str  # schema.table
    description: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _t(name: str, description: str, *columns: tuple[str, str, str]) -> Table:
    return Table(name, description, tuple(Column(*c) for c in columns))


_PROVINCE = (
    ("province_code", "VARCHAR", "GSO code of the 63 provinces; '00' for national; NULL for a post-2025 unit that is not one of the 63"),
    ("province_name", "VARCHAR", "GSO spelling, or the 2025 unit's name after the merger, or 'national'"),
)
_MENTION_COLUMNS = (
    ("mention_id", "VARCHAR", "Stable id: article, indicator and the figure's span (char_start-char_end)"),
    ("article_id", "VARCHAR", "The article (raw.articles)"),
    ("source_path", "VARCHAR", "The article file, relative to INDICATORS_RAW_DIR"),
    ("indicator_code", "VARCHAR", "Catalogue code (marts.dim_indicator)"),
    ("value", "DOUBLE", "The figure as a plain number: percent 0-100, money in billion VND"),
    ("unit", "VARCHAR", "count, percent, billion_vnd, rank or points"),
    ("qualifier", "VARCHAR", "exact, more_than, about or at_least"),
    *_PROVINCE,
    ("province_2025_code", "VARCHAR", "Code of the 2025 unit (Decision 19/2025/QĐ-TTg) the figure belongs to"),
    ("year", "INTEGER", "The year the figure describes"),
    ("evidence", "VARCHAR", "Exactly text[char_start:char_end] of the article"),
    ("char_start", "INTEGER", "Start offset of the evidence in raw.articles.text"),
    ("char_end", "INTEGER", "End offset of the evidence in raw.articles.text"),
    ("decimals", "INTEGER", "Decimals as written (rounding tolerance of quality rules)"),
    ("published_date", "DATE", "Publication date of the article"),
    ("extractor_version", "VARCHAR", "Version of the extraction rules that produced the row (a hash of the rules)"),
    ("rule", "VARCHAR", "The rule that read the figure (python -m indicators_pipeline.explain FILE shows every number's)"),
    ("period", "VARCHAR", "The period the figure describes as the article frames it: the year (YYYY), a half (YYYY-H1), "
                          "a quarter (YYYY-Q3) or a month (YYYY-08)"),
    ("year_source", "VARCHAR", "Where the year came from: own (the figure's words), inherited, edition (an index's year named "
                               "earlier), period (a period opening its paragraph), annual_index (the year before "
                               "publication), or the article's: title_year, published_date, year_review, ..."),
    ("province_source", "VARCHAR", "Where the province came from: own (named in its clause), national (cả nước), place_frame "
                                   "(its paragraph's subject), or the article's: site, title, dateline, address, body, ..."),
    ("confidence", "DOUBLE", "How likely the figure is right in value, year and place: the measured reliability of its rule, "
                             "year source and province source multiplied (reference/rule_reliability.csv, make calibrate)"),
)

ARTICLES = _t(
    "raw.articles", "One row per ingested article, deduplicated by content.",
    ("article_id", "VARCHAR", "First 16 hex digits of content_sha256"),
    ("source_path", "VARCHAR", "File path relative to INDICATORS_RAW_DIR (the first, when duplicated); a feed's line is 'FEED.jsonl:LINE'"),
    ("content_sha256", "VARCHAR", "SHA-256 of the normalized text"),
    ("title", "VARCHAR", "Headline"),
    ("published_date", "DATE", "Publication date; NULL when the article gives none"),
    ("province_code", "VARCHAR", "GSO code of the province the article is about"),
    ("province_name", "VARCHAR", "GSO name of that province"),
    ("text", "VARCHAR", "Normalized (NFC) plain text; evidence offsets point into it"),
    ("reference_year", "INTEGER", "Year of undated and as-of figures"),
    ("reference_year_source", "VARCHAR", "published_date, latest_year_in_text or none"),
    ("encoding", "VARCHAR", "Detected encoding of the file"),
    ("was_html", "BOOLEAN", "Whether markup was stripped"),
    ("byte_size", "BIGINT", "Size of the file"),
    ("duplicate_paths", "VARCHAR", "Other files with the same content, '|'-joined"),
    ("url", "VARCHAR", "The page's address: a feed's url, else the page's canonical address; NULL for a plain-text file"),
    ("site", "VARCHAR", "The site's name or host (og:site_name, a feed's sitename)"),
    ("published_source", "VARCHAR", "Where published_date came from: feed, metadata (the page's own), text (a date line), address (the url's), none"),
    ("province_source", "VARCHAR", "Where province_code came from: site (a provincial source, reference/sources.csv), title, "
                                   "dateline, address (the url's words), body, national_site, national_body, none"),
    ("province_evidence", "VARCHAR", "The host, the address's words or the initials that gave the province"),
)
REJECTED_FILES = _t(
    "raw.rejected_files", "Raw files that could not be ingested, with the reason.",
    ("source_path", "VARCHAR", "File path relative to INDICATORS_RAW_DIR"),
    ("reason", "VARCHAR", "Why the file is not in raw.articles"),
    ("byte_size", "BIGINT", "Size of the file, when it could be read"),
)
FILE_INVENTORY = _t(
    "raw.file_inventory", "Every file seen under the raw folder at the last run: the incremental state.",
    ("source_path", "VARCHAR", "File path relative to INDICATORS_RAW_DIR"),
    ("byte_size", "BIGINT", "Size"),
    ("mtime_ns", "BIGINT", "Modification time, nanoseconds"),
    ("file_sha256", "VARCHAR", "SHA-256 of the bytes"),
    ("article_id", "VARCHAR", "The article it gave, if any"),
    ("status", "VARCHAR", "ingested, duplicate or rejected"),
    ("reason", "VARCHAR", "Reason when not ingested"),
    ("ingest_version", "VARCHAR", "Version of the reading rules that read the file"),
)
_REVIEW_STATUS = ("review_status", "VARCHAR",
                  "unreviewed, accepted, corrected, rejected or added (data/curation/corrections.csv)")
_HELD = ("held", "BOOLEAN", "Below INDICATORS_MIN_CONFIDENCE and not reviewed by an analyst: kept out of the facts, "
                           "first in marts.review_queue")
MENTIONS = _t("staging.indicator_mentions", "Extracted fact mentions (targets excluded), as the extractor read them.",
              *_MENTION_COLUMNS, _REVIEW_STATUS,
              ("review_reason", "VARCHAR", "The reason of the analyst's correction, when there is one"), _HELD)
REVIEWED_MENTIONS = _t(
    "staging.reviewed_mentions",
    "The mentions facts are built from: analysts' rejections left out, their corrections applied, their additions in; "
    "held ones (below INDICATORS_MIN_CONFIDENCE, unreviewed) are not.",
    *_MENTION_COLUMNS, _REVIEW_STATUS, _HELD)
CORRECTIONS_APPLIED = _t(
    "staging.corrections_applied", "Every row of the corrections file and what it did: the mentions it matched, or why none.",
    ("line", "INTEGER", "Line of data/curation/corrections.csv (the header is line 1)"),
    ("action", "VARCHAR", "accept, reject, set or add"),
    ("indicator", "VARCHAR", "The figure's indicator"),
    ("evidence", "VARCHAR", "The figure's words, as the row quotes them"),
    ("matched", "VARCHAR", "mention_id of the figure it applies to"),
    ("applied", "BOOLEAN", "False when it matches nothing any more (a correction_not_applied finding)"),
    ("problem", "VARCHAR", "Why it did not apply"),
    ("reason", "VARCHAR", "The analyst's reason"),
    ("who", "VARCHAR", "Who decided"),
)
REVIEW_STATE_ARTICLES = _t(
    "staging.review_state_articles",
    "The review step's incremental state: each article as the last review left it (its metadata and its mentions' rows, "
    "hashed); an article whose hash differs is reviewed again.",
    ("article_id", "VARCHAR", "The article (or the article_id of mentions without one)"),
    ("fingerprint", "UBIGINT", "Hash of the article's source_path, title, date, province, reference year and text hash, "
                               "and of every row of its mentions (order-free)"),
)
REVIEW_STATE_CORRECTIONS = _t(
    "staging.review_state_corrections",
    "The review step's incremental state: each correction row the last review applied and the articles it named; "
    "a row added, changed or removed makes those articles be reviewed again.",
    ("line", "INTEGER", "Line of the corrections file"),
    ("fingerprint", "VARCHAR", "SHA-256 of the row's fields and line"),
    ("targets", "VARCHAR", "article_id of the articles the row names, '|'-joined"),
)
ARTICLE_STATE = _t(
    "staging.article_state",
    "Incremental state of the steps that work article by article (the per-article consistency rules, the mentions' "
    "row checks) or fact by fact (the yearly facts): per step and article or fact key, a hash of the rows the step "
    "read when it last ran; an article or key whose hash differs (or that is new or gone) is the one the step redoes.",
    ("step", "VARCHAR", "The step: marts.quality_findings, marts.fact_indicator_yearly, or check:<name> for "
                       "a check"),
    ("article_id", "VARCHAR", "The article; for marts.fact_indicator_yearly, a fact's key (province codes and name, "
                              "year, indicator) as a JSON array"),
    ("fingerprint", "UBIGINT", "Order-free hash of the columns the step reads of the article's (or the key's) rows"),
)
TARGETS = _t("staging.indicator_targets", "Goal and plan figures (phấn đấu, mục tiêu, kế hoạch ...): never facts.", *_MENTION_COLUMNS)
PARSED_ARTICLES = _t(
    "staging.parsed_articles", "Which article was parsed by which extractor version: the incremental state.",
    ("article_id", "VARCHAR", "The article"),
    ("content_sha256", "VARCHAR", "Its content hash when parsed"),
    ("input_signature", "VARCHAR", "Text hash, province, reference year and date the extraction saw"),
    ("extractor_version", "VARCHAR", "Rules version"),
    ("n_mentions", "INTEGER", "Facts found"),
    ("n_targets", "INTEGER", "Targets found"),
)
EXTRACTION_ERRORS = _t(
    "staging.extraction_errors", "Articles whose reading or extraction raised an error: left out, the run went on.",
    ("article_id", "VARCHAR", "The article (NULL when the file never became one)"),
    ("source_path", "VARCHAR", "File path relative to INDICATORS_RAW_DIR"),
    ("stage", "VARCHAR", "read (file to article) or extract (article to mentions)"),
    ("error_class", "VARCHAR", "Python exception class"),
    ("message", "VARCHAR", "Exception message (first 500 characters)"),
    ("extractor_version", "VARCHAR", "Version of the rules that raised"),
)
QUARANTINED_ROWS = _t(
    "staging.quarantined_rows",
    "Rows of mentions, facts or rollups that failed their pandera model: kept here, left out of facts and rollups.",
    ("source_table", "VARCHAR", "staging.indicator_mentions, marts.fact_indicator_yearly or marts.rollup_indicator_yearly"),
    ("row_id", "VARCHAR", "mention_id, or the fact's or rollup's key"),
    ("article_id", "VARCHAR", "The article the row comes from (NULL for rollups)"),
    ("source_path", "VARCHAR", "Its file"),
    ("indicator_code", "VARCHAR", "Catalogue code"),
    ("province_name", "VARCHAR", "Province, unit, region or 'national'"),
    ("year", "INTEGER", "Year"),
    ("value", "DOUBLE", "The row's value"),
    ("check_name", "VARCHAR", "The failed check"),
    ("column_name", "VARCHAR", "The column it failed on (NULL for a check across columns)"),
    ("failure_case", "VARCHAR", "The offending value"),
)
DIM_PROVINCE = _t(
    "marts.dim_province", "The 63 provinces before the 1 July 2025 merger.",
    ("province_code", "VARCHAR", "GSO 2-digit code"),
    ("province_name", "VARCHAR", "GSO name"),
    ("region", "VARCHAR", "Socio-economic region"),
    ("province_2025_name", "VARCHAR", "The unit it belongs to since 1 July 2025"),
    ("province_2025_code", "VARCHAR", "Code of that unit (Decision 19/2025/QĐ-TTg)"),
    ("aliases", "VARCHAR", "Other spellings, '|'-joined"),
)
DIM_PROVINCE_2025 = _t(
    "marts.dim_province_2025", "The 34 provincial units since 1 July 2025.",
    ("province_2025_code", "VARCHAR", "Code of Decision 19/2025/QĐ-TTg (reuses old codes with new meanings)"),
    ("province_2025_name", "VARCHAR", "Name"),
    ("kind", "VARCHAR", "province or city"),
    ("former_province_codes", "VARCHAR", "GSO codes of the provinces it took in, '|'-joined"),
    ("former_province_names", "VARCHAR", "Names of those provinces, '|'-joined"),
    ("region", "VARCHAR", "Region of its first former province"),
)
DIM_INDICATOR = _t(
    "marts.dim_indicator", "The indicator catalogue.",
    ("indicator_code", "VARCHAR", "Code"),
    ("family", "VARCHAR", "Family"),
    ("unit", "VARCHAR", "Unit"),
    ("name_vi", "VARCHAR", "Vietnamese name"),
    ("name_en", "VARCHAR", "English name"),
    ("definition", "VARCHAR", "What it measures"),
    ("harmonized_code", "VARCHAR", "Code on the post-2022 taxonomy (level 4 -> toàn trình, level 3 -> một phần)"),
    ("plausible_max", "DOUBLE", "Largest plausible value for one province or the country in a year; above it a row is quarantined"),
)
FACTS = _t(
    "marts.fact_indicator_yearly",
    "One value per province x year x indicator, chosen among the reviewed mentions (analysts' corrections applied).",
    *_PROVINCE,
    ("province_2025_code", "VARCHAR", "The 2025 unit the province belongs to (or is)"),
    ("year", "INTEGER", "Year"),
    ("indicator_code", "VARCHAR", "Catalogue code"),
    ("value", "DOUBLE", "Chosen value: exact over approximate, then the latest publication, then the most reported"),
    ("unit", "VARCHAR", "Unit"),
    ("qualifier", "VARCHAR", "Qualifier of the chosen mention"),
    ("n_articles", "INTEGER", "Articles reporting it"),
    ("n_mentions", "INTEGER", "Mentions reporting it"),
    ("n_values", "INTEGER", "Distinct values reported"),
    ("conflict", "BOOLEAN", "The sources disagree"),
    ("source_mention_id", "VARCHAR", "The mention the value comes from"),
    ("is_post_merger", "BOOLEAN", "Describes a period after 1 July 2025 (a 2025 unit)"),
    ("reviewed", "BOOLEAN", "Every mention behind the fact was reviewed by an analyst (accepted, corrected or added)"),
    ("review_status", "VARCHAR", "review_status of the mention the value comes from (unreviewed, accepted, corrected, added)"),
)
ROLLUPS = _t(
    "marts.rollup_indicator_yearly", "Facts summed or averaged by national, region and 2025 unit.",
    ("year", "INTEGER", "Year"),
    ("indicator_code", "VARCHAR", "Catalogue code"),
    ("grouping", "VARCHAR", "national, region or province_2025"),
    ("group_name", "VARCHAR", "'Việt Nam', the region or the 2025 unit"),
    ("n_provinces", "INTEGER", "Reporting provinces (or units) in the group"),
    ("n_group_members", "INTEGER", "Provinces (or units) the group has"),
    ("coverage", "DOUBLE", "n_provinces / n_group_members"),
    ("value_sum", "DOUBLE", "Sum; counts and money only (NULL for shares, ranks and scores)"),
    ("value_mean", "DOUBLE", "Mean over reporting provinces; NULL for ranks"),
    ("value_min", "DOUBLE", "Minimum"),
    ("value_max", "DOUBLE", "Maximum"),
    ("value_weighted", "DOUBLE", "Share recomputed from summed numerator and denominator, where both are known"),
)
QUALITY_FINDINGS = _t(
    "marts.quality_findings",
    "Every failed consistency rule, with its articles; acknowledged findings stay, marked (data/curation/acknowledged.csv).",
    ("province_code", "VARCHAR", "Province (or NULL for a merged unit)"),
    ("year", "INTEGER", "Year"),
    ("rule", "VARCHAR", "Rule name (README: the table of rules)"),
    ("severity", "VARCHAR", "warn (the data: a source contradicts itself or another) or error (a published number would be wrong)"),
    ("expected", "VARCHAR", "What the rule expected"),
    ("observed", "VARCHAR", "What the articles say"),
    ("detail", "VARCHAR", "Explanation with the figures"),
    ("province_name", "VARCHAR", "Province name"),
    ("article_id", "VARCHAR", "Articles the figures come from, '; '-joined when several"),
    ("source_path", "VARCHAR", "Their files, '; '-joined when several"),
    ("indicator_codes", "VARCHAR", "Indicators involved, '|'-joined"),
    ("tolerance", "VARCHAR", "How far apart the figures may be before the rule fails"),
    ("source_titles", "VARCHAR", "Headlines of the articles, '; '-joined when several"),
    ("acknowledged", "BOOLEAN", "A reviewer acknowledged the finding: it is kept here but no longer fails its check"),
    ("acknowledgement", "VARCHAR", "The acknowledgement's reason and who gave it"),
)

ALL_TABLES = (ARTICLES, REJECTED_FILES, FILE_INVENTORY, MENTIONS, TARGETS, PARSED_ARTICLES, EXTRACTION_ERRORS,
              QUARANTINED_ROWS, REVIEWED_MENTIONS, CORRECTIONS_APPLIED, REVIEW_STATE_ARTICLES,
              REVIEW_STATE_CORRECTIONS, ARTICLE_STATE, DIM_PROVINCE,
              DIM_PROVINCE_2025, DIM_INDICATOR, FACTS, ROLLUPS, QUALITY_FINDINGS)
