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
  SELECT f.*, row_number() OVER (PARTITION BY province_name, province_2025_code, indicator_code ORDER BY year DESC) AS rn
  FROM marts.fact_indicator_yearly f) WHERE rn = 1""",
    "marts.province_year_wide": f"""
SELECT province_code, province_name, province_2025_code, year,
       {_WIDE_COLUMNS}
FROM marts.fact_indicator_yearly
GROUP BY ALL""",
}
VIEW_NAMES = tuple(VIEWS)
_COMMENTS = {
    "marts.fact_indicator_harmonized": "Yearly facts with harmonized_code: level 4 -> online_services_full, level 3 -> "
                                       "online_services_partial, level-4 share -> full-process share, so trends cross 2022.",
    "marts.latest_indicator_value": "The latest year's value of every province x indicator.",
    "marts.province_year_wide": "One row per province x year with the main indicators as columns.",
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
