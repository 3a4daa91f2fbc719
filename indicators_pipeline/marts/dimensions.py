"""The dimension tables, straight from the checked-in reference files."""
from __future__ import annotations

import pandas as pd

from indicators_pipeline import reference
from indicators_pipeline.warehouse import tables

# Across Decree 42/2022 the service taxonomy changed: level 4 became 'toàn trình', level 3 'một phần'.
HARMONIZED = {
    "online_services_level4": "online_services_full",
    "online_services_level3": "online_services_partial",
    "online_services_level4_pct": "online_services_full_pct",
}


def dim_province() -> pd.DataFrame:
    rows = []
    for province in reference.provinces().values():
        unit = reference.unit_2025_of(province.code)
        rows.append(dict(province_code=province.code, province_name=province.name, region=province.region,
                         province_2025_name=province.province_2025_name, province_2025_code=unit.code,
                         aliases="|".join(province.aliases)))
    return pd.DataFrame(rows, columns=tables.DIM_PROVINCE.column_names)


def dim_province_2025() -> pd.DataFrame:
    regions = {p.code: p.region for p in reference.provinces().values()}
    rows = [dict(province_2025_code=u.code, province_2025_name=u.name, kind=u.kind,
                 former_province_codes="|".join(u.former_codes), former_province_names="|".join(u.former_names),
                 region=regions[u.former_codes[0]])
            for u in reference.provinces_2025().values()]
    return pd.DataFrame(rows, columns=tables.DIM_PROVINCE_2025.column_names)


def dim_indicator() -> pd.DataFrame:
    rows = [dict(indicator_code=i.code, family=i.family, unit=i.unit, name_vi=i.name_vi, name_en=i.name_en,
                 definition=i.definition, harmonized_code=HARMONIZED.get(i.code, i.code),
                 plausible_max=i.upper_bound)
            for i in reference.indicators().values()]
    return pd.DataFrame(rows, columns=tables.DIM_INDICATOR.column_names)
