"""Views BI users ask for, over the marts tables: plain SQL, created in the working database."""
from __future__ import annotations

import duckdb

from indicators_pipeline.marts.dimensions import HARMONIZED
from indicators_pipeline.warehouse.store import sql_literal

WIDE_INDICATORS = (
    "procedures_total", "online_services_total", "online_services_level3", "online_services_level4",
    "online_services_full", "online_services_partial", "online_services_level34_pct", "online_services_full_pct",
    "dossiers_received", "dossiers_online", "dossiers_ontime_pct", "dossiers_online_pct", "ict_index_rank", "dti_rank",
)

_PRE_2022 = ", ".join(f"'{code}'" for code in HARMONIZED)
_POST_2022 = ", ".join(f"'{code}'" for code in HARMONIZED.values())
_WIDE_COLUMNS = ",\n       ".join(f"max(value) FILTER (WHERE indicator_code = '{c}') AS {c}" for c in WIDE_INDICATORS)

VIEWS = {
    "marts.fact_indicator_harmonized": f"""
SELECT f.*, d.harmonized_code,
       CASE WHEN f.indicator_code IN ({_PRE_2022}) THEN 'level_3_4 (before Decree 42/2022)'
            WHEN f.indicator_code IN ({_POST_2022}) THEN 'full_partial (Decree 42/2022)'
            ELSE 'unchanged' END AS taxonomy
FROM marts.fact_indicator_yearly f JOIN marts.dim_indicator d USING (indicator_code)""",
    "marts.latest_indicator_value": """
SELECT * EXCLUDE (rn) FROM (
  SELECT f.*, row_number() OVER (
    PARTITION BY province_code, province_name, province_2025_code, indicator_code
    ORDER BY year DESC, is_post_merger DESC, value, source_mention_id) AS rn
  FROM marts.fact_indicator_yearly f) WHERE rn = 1""",
    "marts.province_year_wide": f"""
SELECT province_code, province_name, province_2025_code, year,
       {_WIDE_COLUMNS}
FROM marts.fact_indicator_yearly
GROUP BY ALL""",
    # What a reviewer should look at first: figures held out of the facts (below INDICATORS_MIN_CONFIDENCE), then
    # unreviewed figures behind conflicting facts or quality findings, figures far from the province's other years,
    # and the least sure (lowest measured confidence).
    "marts.review_queue": """
WITH findings AS (
  SELECT province_name, year, string_split(indicator_codes, '|') AS codes, count(*) AS n
  FROM marts.quality_findings WHERE NOT coalesce(acknowledged, false) GROUP BY ALL
), spread AS (
  SELECT province_name, indicator_code, median(value) AS median_value
  FROM marts.fact_indicator_yearly GROUP BY ALL
)
SELECT m.mention_id, m.source_path, a.title, a.published_date AS article_date, m.indicator_code, m.value,
       m.province_name, m.year, m.rule, m.evidence, m.confidence, coalesce(m.held, false) AS held,
       coalesce(f.conflict, false) AS in_conflicting_fact,
       coalesce((SELECT sum(q.n) FROM findings q WHERE q.province_name = m.province_name AND q.year = m.year
                 AND list_contains(q.codes, m.indicator_code)), 0) AS quality_findings,
       CASE WHEN s.median_value > 0 THEN abs(m.value / s.median_value - 1) END AS distance_from_median,
       (2 * coalesce(f.conflict, false)::INTEGER
        + least(coalesce((SELECT sum(q.n) FROM findings q WHERE q.province_name = m.province_name AND q.year = m.year
                          AND list_contains(q.codes, m.indicator_code)), 0), 2)
        + CASE WHEN s.median_value > 0 AND abs(m.value / s.median_value - 1) > 1 THEN 1 ELSE 0 END) AS priority
FROM staging.indicator_mentions m
JOIN raw.articles a USING (article_id)
LEFT JOIN marts.fact_indicator_yearly f ON f.source_mention_id = m.mention_id
LEFT JOIN spread s ON s.province_name = m.province_name AND s.indicator_code = m.indicator_code
WHERE coalesce(m.review_status, 'unreviewed') = 'unreviewed'
ORDER BY held DESC, priority DESC, confidence ASC NULLS LAST, quality_findings DESC,
         distance_from_median DESC NULLS LAST, m.source_path, m.char_start, m.char_end, m.mention_id""",
    "marts.mention_confidence": """
SELECT m.mention_id, m.source_path, a.title, a.url, m.indicator_code, m.value, m.province_name, m.year, m.period,
       m.rule, m.year_source, m.province_source, m.confidence, coalesce(m.held, false) AS held,
       coalesce(m.review_status, 'unreviewed') AS review_status, m.evidence
FROM staging.indicator_mentions m JOIN raw.articles a USING (article_id)
ORDER BY m.source_path, m.char_start, m.char_end, m.mention_id""",
}
VIEW_NAMES = tuple(VIEWS)
_COMMENTS = {
    "marts.fact_indicator_harmonized": "Yearly facts with harmonized_code: level 4 -> online_services_full, level 3 -> "
                                       "online_services_partial, level-4 share -> full-process share, so trends cross 2022.",
    "marts.latest_indicator_value": "The latest year's value of every province x indicator.",
    "marts.province_year_wide": "One row per province x year with the main indicators as columns.",
    "marts.review_queue": "Unreviewed mentions, most important first (held figures, conflicts, quality findings, "
                          "outliers, lowest confidence), with their evidence and article: add a row "
                          "to data/curation/corrections.csv.",
    "marts.mention_confidence": "Every figure the extractor read, with its confidence, whether it is held for review "
                                "(below INDICATORS_MIN_CONFIDENCE) and where its year and province came from.",
}


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        for name, sql in VIEWS.items():
            con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
            con.execute(f"COMMENT ON VIEW {name} IS {sql_literal(_COMMENTS[name])}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
