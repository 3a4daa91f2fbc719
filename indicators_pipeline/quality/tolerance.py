"""How close a computed share must be to a reported one, given how the article wrote it.

'28,9%' stands for anything that rounds or truncates to 28.9 at one decimal; '36%' for anything
from 35.5 to just under 37. 'khoảng', 'hơn' and 'từ ... trở lên' loosen or bound the comparison.
"""
from __future__ import annotations

import math

ABOUT_RELATIVE = 0.05  # 'khoảng 98%': within 5 % of the figure


def share_agrees(computed: float, reported: float, decimals: int, qualifier: str = "exact") -> bool:
    step = 10.0 ** (-decimals)
    eps = 1e-9
    if qualifier == "about":
        return abs(computed - reported) <= max(ABOUT_RELATIVE * abs(reported), step)
    if qualifier in ("more_than", "at_least"):
        return computed >= reported - step / 2 - eps
    rounded_ok = abs(computed - reported) <= step / 2 + eps
    truncated_ok = reported - eps <= computed < reported + step + eps and math.isclose(
        math.floor(computed / step + eps) * step, reported, abs_tol=step / 10
    )
    return rounded_ok or truncated_ok


def count_agrees(computed: float, reported: float, qualifier: str = "exact") -> bool:
    if qualifier == "about":
        return abs(computed - reported) <= ABOUT_RELATIVE * abs(reported)
    if qualifier in ("more_than", "at_least"):
        return computed >= reported
    return math.isclose(computed, reported, abs_tol=1e-9)


def share_tolerance(decimals: int, qualifier: str = "exact") -> str:
    """share_agrees' tolerance for one reported share, in words a finding can show."""
    step = 10.0 ** (-decimals)
    if qualifier == "about":
        return f"about: within {ABOUT_RELATIVE:.0%} (at least {step:g})"
    if qualifier in ("more_than", "at_least"):
        return f"a lower bound: computed >= reported - {step / 2:g}"
    return f"written with {decimals} decimals: rounds (±{step / 2:g}) or truncates to it"


def count_tolerance(qualifier: str = "exact") -> str:
    """count_agrees' tolerance, in words a finding can show."""
    if qualifier == "about":
        return f"about: within {ABOUT_RELATIVE:.0%}"
    if qualifier in ("more_than", "at_least"):
        return "a lower bound: on its right side"
    return "exact"
