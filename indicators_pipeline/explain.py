"""Why each number of an article was read as it was, or dropped: `python -m indicators_pipeline.explain FILE`.

Every number of the text, in order, with what the extractor made of it: the indicator, value,
place, year and the rule that read it, or the reason it gave no mention (a target, a department's
figure, a range, no cue ...). Every rule is printed by its id in the registry
(`indicators_pipeline/extraction/rules.py`), where its description and examples are: a reading rule
with the named cue it read ('label_cue (cue dossiers_online_pct.label)'), a drop as 'id — description'.
Each figure also says where its year and its province came from (its own words, an index's edition,
a paragraph's period or subject, or the article's: its site, title, dateline, address ...). A crawler
feed (`*.jsonl`) is explained line by line. This is how anyone fixes the next real article in minutes.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from indicators_pipeline import merger
from indicators_pipeline.extraction import rules
from indicators_pipeline.extraction.mentions import ArticleContext, Mention, extract_mentions
from indicators_pipeline.ingest.article import Article, parse_article
from indicators_pipeline.ingest.decoding import NotText
from indicators_pipeline.ingest.feed import feed_lines, is_feed, line_path, read_line

_CONTEXT_CHARS = 40


@dataclasses.dataclass(frozen=True)
class Reading:
    start: int
    end: int
    written: str  # the number (or evidence) as the text has it
    outcome: str  # "fact", "target" or "dropped"
    detail: str  # what it was read as, or why it was dropped ('id — description')
    rule: str = ""  # the registry id of the rule that read or dropped it


def readings(text: str, context: ArticleContext, province_source: str = "article") -> list[Reading]:
    """Every number of the text with what became of it, in text order."""
    trace: list[tuple[int, int, str]] = []
    mentions = extract_mentions(text, context, trace)
    out = [Reading(m.char_start, m.char_end, m.evidence, "target" if m.is_target else "fact",
                   _describe(m, context, province_source), m.rule)
           for m in mentions]
    taken = [(m.char_start, m.char_end) for m in mentions]
    for start, end, rule in trace:
        if not any(a <= start and end <= b for a, b in taken):  # a number inside a figure's evidence is that figure
            out.append(Reading(start, end, text[start:end], "dropped", f"{rule} — {rules.describe(rule)}", rule))
    return sorted(out, key=lambda r: (r.start, r.end))


def _describe(mention: Mention, context: ArticleContext, province_source: str = "article") -> str:
    place = merger.attribute(mention.province_code, mention.year, context.published)
    where = place.province_name if place else "no province"
    year_source = context.reference_year_source if mention.year_source == "reference" else mention.year_source
    place_source = province_source if mention.province_source == "article" else mention.province_source
    return (f"{mention.indicator_code} = {mention.value:g} ({mention.qualifier}), {where} [{place_source}], "
            f"year {mention.year if mention.year is not None else 'none'} [{year_source}] — rule {mention.rule}"
            + (f" (cue {mention.cue})" if mention.cue else ""))


def explain_file(path: Path) -> str:
    """The report for one raw file (each line of a feed), as `make run` would read it."""
    data = path.read_bytes()
    if not is_feed(path.name):
        try:
            return explain_article(str(path), parse_article(data))
        except NotText as reason:
            return f"{path}: not an article ({reason})"
    reports = []
    for line in feed_lines(data):
        name = line_path(str(path), line.number)
        try:
            reports.append(explain_article(name, read_line(line)))
        except NotText as reason:
            reports.append(f"{name}: not an article ({reason})")
    return "\n".join(reports) or f"{path}: an empty feed"


def explain_article(name: str, article: Article) -> str:
    context = ArticleContext(province_code=article.province_code, reference_year=article.reference_year,
                             published=article.published_date, reference_year_source=article.reference_year_source)
    province_source = f"article: {article.province_source}" + (
        f" {article.province_evidence}" if article.province_evidence else "")
    lines = [f"{name}", f"  title: {article.title}", f"  address: {article.url or 'none'}; site: {article.site or 'none'}",
             f"  published: {article.published_date or 'no date'} ({article.published_source}); "
             f"province: {article.province_name or 'none'} ({province_source}); year of undated figures: "
             f"{article.reference_year} ({article.reference_year_source})"]
    for reading in readings(article.text, context, province_source):
        before = article.text[max(0, reading.start - _CONTEXT_CHARS) : reading.start].replace("\n", " ")
        mark = {"fact": "+", "target": "~", "dropped": "-"}[reading.outcome]
        lines.append(f"  {mark} @{reading.start} …{before}[{reading.written}]  → {reading.outcome}: {reading.detail}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.files:
        print(explain_file(path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
