"""Provinces before and after the 1 July 2025 merger: which unit a figure belongs to.

A figure describing a period after the merger belongs to the merged unit ('tỉnh Gia Lai' then
means Gia Lai and Bình Định together), never to the old province of the same name.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from indicators_pipeline import reference
from indicators_pipeline.extraction.dates import as_date

MERGER_DATE = dt.date(2025, 7, 1)


@dataclass(frozen=True)
class Attribution:
    province_code: str | None  # GSO code; None for a post-merger unit that is not one of the 63
    province_name: str
    province_2025_code: str | None
    is_post_merger: bool


def is_post_merger(year: int | None, published: dt.date | None) -> bool:
    """A year after 2025, or 2025 itself in an article published after the merger."""
    if year is None:
        return False
    published = as_date(published)  # NaT, a timestamp or a string from storage compare as dates too
    if year > MERGER_DATE.year:
        return True
    return year == MERGER_DATE.year and published is not None and published >= MERGER_DATE


def attribute(province_code: str | None, year: int | None, published: dt.date | None) -> Attribution | None:
    """Where a figure named for `province_code` (a GSO code, or '00') belongs."""
    if province_code is None:
        return None
    if province_code == reference.NATIONAL_CODE:
        return Attribution(reference.NATIONAL_CODE, reference.NATIONAL_NAME, None, is_post_merger(year, published))
    unit = reference.unit_2025_of(province_code)
    if not is_post_merger(year, published):
        return Attribution(province_code, reference.provinces()[province_code].name, unit.code, False)
    # After the merger the name means the unit; a unit that took in no other province is still one of the 63.
    own_code = unit.former_codes[0] if len(unit.former_codes) == 1 else None
    return Attribution(own_code, unit.name, unit.code, True)
