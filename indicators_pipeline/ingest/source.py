"""Where an article comes from: its address and site, and the province they speak for.

A provincial portal or party newspaper (reference/sources.csv: `gialai.gov.vn`, its departments'
`stttt.gialai.gov.vn`, `baogialai.com.vn`) writes about its own province even where a sentence says
only `tỉnh`; a national outlet or body speaks for no province by itself. A province named in the
address's words (`/ha-nam-dan-dau-ca-nuoc...`) is weaker evidence: the slug is the headline's.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from indicators_pipeline import reference


class SourcePlace(NamedTuple):
    province_code: str | None  # GSO code, reference.NATIONAL_CODE, or None when the address says nothing
    source: str  # "site" (a provincial source), "national_site", "address" (the slug names it), or ""
    evidence: str  # the host, or the slug's words


NO_SOURCE = SourcePlace(None, "", "")


def host_of(url: str | None) -> str | None:
    """The host of an address, lowercased, without 'www.' or a port; None when it has none."""
    if not url:
        return None
    parts = urlsplit(url.strip() if "//" in url else f"//{url.strip()}")
    host = (parts.hostname or "").lower().rstrip(".")
    return host.removeprefix("www.") or None


def known_source(host: str | None) -> reference.Source | None:
    """The site of sources.csv a host belongs to: itself, or the domain it is a sub-domain of."""
    if not host:
        return None
    table = reference.sources()
    labels = host.split(".")
    for start in range(len(labels) - 1):  # stttt.gialai.gov.vn -> gialai.gov.vn -> gov.vn
        found = table.get(".".join(labels[start:]))
        if found is not None:
            return found
    return None


def _plain(text: str) -> str:
    """Lowercase ASCII words joined by '-', as a slug writes them ('Hà Nam' -> 'ha-nam')."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text))


@functools.cache
def _slug_names() -> dict[str, str]:
    """Slug spellings of every province name and alias of two words or more ('hue' alone is too common)."""
    names: dict[str, str] = {}
    for province in reference.provinces().values():
        for spelling in (province.name, *province.aliases):
            slug = _plain(spelling.removeprefix("TP. ").removeprefix("TP."))
            if slug.count("-") >= 1:
                names.setdefault(slug, province.code)
    return names


def slug_province(url: str | None) -> tuple[str, str] | None:
    """(GSO code, slug words) of the one province the address's path names, if exactly one."""
    if not url:
        return None
    path = "-" + _plain(unquote(urlsplit(url).path)) + "-"
    found = {code: slug for slug, code in _slug_names().items() if f"-{slug}-" in path}
    if len(found) != 1:
        return None
    return next(iter(found.items()))


# Dates news sites write into their addresses: '/202207/', '/2023/04/07/', '/2023-04-07/'.
_ADDRESS_DATE = re.compile(r"/(?P<y1>20\d\d)(?P<m1>0[1-9]|1[0-2])(?P<d1>[0-3]\d)?/"
                           r"|/(?P<y2>20\d\d)[/-](?P<m2>0?[1-9]|1[0-2])(?:[/-](?P<d2>[0-3]?\d))?/")


def address_date(url: str | None) -> tuple[int, int, int | None] | None:
    """(year, month, day or None) a site wrote into the page's address, if it did."""
    if not url:
        return None
    match = _ADDRESS_DATE.search(urlsplit(url).path + "/")
    if match is None:
        return None
    i = 1 if match.group("y1") else 2
    day = match.group(f"d{i}")
    return int(match.group(f"y{i}")), int(match.group(f"m{i}")), int(day) if day else None


def source_place(url: str | None, site: str | None = None) -> SourcePlace:
    """What the address (or, without one, the site's host name) says of the article's province."""
    site_host = host_of(site) if site and "." in site and " " not in site.strip() else None
    source = known_source(host_of(url)) or known_source(site_host)
    if source is not None and source.is_provincial:
        return SourcePlace(source.province_code, "site", source.domain)
    slug = slug_province(url)
    if slug is not None:
        return SourcePlace(slug[0], "address", slug[1])
    if source is not None:
        return SourcePlace(reference.NATIONAL_CODE, "national_site", source.domain)
    return NO_SOURCE
