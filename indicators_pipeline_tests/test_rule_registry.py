"""The registry of reading rules (indicators_pipeline/extraction/rules.py): every example of every rule,
read by the real extractor, fires its rule or does not; every id the extractor writes is a registry id;
the README's table of rules is the registry's."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from indicators_pipeline.extraction import cues, rules
from indicators_pipeline.extraction.mentions import ArticleContext, extract_mentions
from indicators_pipeline.ingest.article import parse_article
from indicators_pipeline_tests.devset.evaluate import SETS, article_bytes

EXAMPLES = [pytest.param(rule, text, should, id=f"{rule.id}-{'fires' if should else 'not'}-{n}")
            for rule in rules.registry()
            for should, texts in ((True, rule.fires), (False, rule.not_fires))
            for n, text in enumerate(texts)]


@pytest.mark.parametrize("rule, text, should_fire", EXAMPLES)
def test_every_example_fires_its_rule_or_does_not(rule, text, should_fire):
    assert rules.fires(rule, text) is should_fire, f"{rule.id} ({rule.description}) on: {text}"


def test_every_rule_has_an_example_and_every_cue_is_a_rule():
    assert all(rule.fires or rule.not_fires for rule in rules.registry())
    ids = {rule.id for rule in rules.registry()}
    assert {cue.name for cue in cues.all_cues()} <= ids
    assert set(rules.CUE_EXAMPLES) == {cue.name for cue in cues.all_cues()}, "examples of a cue that is gone, or none"
    assert {rule.stage for rule in rules.registry()} == set(rules.STAGES)


def test_every_drop_reason_written_in_the_extractor_is_a_registered_id():
    source = "\n".join(p.read_text(encoding="utf-8") for p in
                       Path(rules.__file__).parent.glob("*.py") if p.name not in ("rules.py", "cues.py"))
    written = set(re.findall(r'(?:drop(?:_mention)?\([^()"]*?, |return |candidate = |m\.char_end, )"([a-z_0-9]+)"', source))
    reasons = written - {"exact", "at_least", "own", "comparison", "reference", "national", "place_frame", "article", "edition",
                         "annual_index", "period", "inherited", "first_place_in_words", "rank_after_ranking_verb"}
    drops = {rule.id for rule in rules.registry() if rule.shows == "drop"}
    assert reasons and reasons <= drops, reasons - drops
    assert drops <= written, f"registered drops the extractor never writes: {drops - written}"


def _dev_readings():
    for name, (folder, _) in SETS.items():
        for path in sorted(folder.glob("*.txt")):
            article = parse_article(article_bytes(path))
            context = ArticleContext(article.province_code, article.reference_year, article.published_date)
            trace: list[tuple[int, int, str]] = []
            yield extract_mentions(article.text, context, trace), trace


def test_every_id_the_extractor_writes_on_the_dev_sets_is_in_the_registry():
    known = rules.by_id()
    for mentions, trace in _dev_readings():
        for mention in mentions:
            assert ("reading", mention.rule.removesuffix("+goal")) in known, mention
            assert not mention.cue or ("reading", mention.cue) in known, mention
            assert ("year", mention.year_source) in known and ("place", mention.province_source) in known, mention
            assert ("qualifier", mention.qualifier) in known, mention
        for _, _, reason in trace:
            assert ("drop", reason) in known, reason


def test_the_readme_table_of_rules_is_the_registry():
    text = rules.README.read_text(encoding="utf-8")
    assert rules.readme_with_table(text) == text, \
        "README's table of rules differs: run .venv/bin/python -m indicators_pipeline.extraction.rules --readme"


def test_a_rule_fitted_on_one_article_says_so_in_the_table():
    flagged = [rule for rule in rules.registry() if rule.one_article]
    assert flagged
    table = rules.readme_table()
    assert all(f"`{rule.id}`" in table and rule.one_article.replace("|", "\\|") in table for rule in flagged)
