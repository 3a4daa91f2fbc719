"""The README's commands as a new user runs them: `make run` on the seeds with the shipped curation files
(what it prints, kept in step with the README's sentence about the seeds' checks), the failure explanation
of a blocking check, and `python -m indicators_pipeline.explain FILE` on the README's example article."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from indicators_pipeline_tests.conftest import GOLD, REPO, SEEDS, copy_seeds
from indicators_pipeline_tests.pipeline_runs import query

README = REPO / "README.md"


def make_run(tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess, Path]:
    """`make run` into a warehouse of its own (the virtualenv as it is: `-o` keeps make from reinstalling);
    the raw folder and the curation files are the repository's unless env says otherwise."""
    warehouse = tmp_path / "warehouse" / "indicators.duckdb"
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("INDICATORS_ACKNOWLEDGED", "INDICATORS_CORRECTIONS", "INDICATORS_RAW_DIR")}
    environment.update(INDICATORS_WAREHOUSE=str(warehouse), INDICATORS_QUALITY_DIR=str(tmp_path / "quality"),
                       DAGSTER_HOME=str(tmp_path / "dagster_home"), **env)
    out = subprocess.run(["make", "-s", "-o", ".venv/.installed", "run"], cwd=REPO, capture_output=True, text=True,
                         timeout=600, env=environment)
    return out, warehouse


def readme_seed_checks() -> set[str]:
    """The checks the README says are not green on the seeds: the backticked names after 'green except'."""
    text = " ".join(README.read_text(encoding="utf-8").split())
    found = re.search(r"On the seeds[^.]*?checks (?:are )?green except ((?:`\w+`(?:,| and| or)? ?)+)", text)
    assert found, "README: the sentence 'On the seeds ... the checks are green except `...`' is gone"
    return set(re.findall(r"`(\w+)`", found.group(1)))


# The tests of seeds_run stay on one worker of a parallel run (pytest-xdist), so its one `make run` serves both.
ON_SEEDS_RUN_WORKER = pytest.mark.xdist_group("make_run_seeds")


@pytest.fixture(scope="module")
def seeds_run(tmp_path_factory):
    """One `make run` over the shipped seeds with the shipped acknowledgements and corrections, progress asked for
    at every moment (the most a log that is not a terminal could get)."""
    return make_run(tmp_path_factory.mktemp("make_run"), INDICATORS_PROGRESS_SECONDS="0")


@ON_SEEDS_RUN_WORKER
def test_make_run_on_the_seeds_prints_the_summary_and_the_checks_the_readme_names(seeds_run):
    out, warehouse = seeds_run
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    assert lines[0] == f"warehouse: {warehouse}"
    printed = {m.group(1): int(m.group(2)) for l in lines if (m := re.match(r"\s+(\w+\.\w+)\s+(\d+) rows$", l))}
    assert set(printed) == {"raw.articles", "raw.rejected_files", "staging.indicator_mentions", "staging.indicator_targets",
                            "marts.fact_indicator_yearly", "marts.rollup_indicator_yearly", "marts.quality_findings"}
    for table, count in printed.items():
        assert query(warehouse, f"SELECT count(*) AS n FROM {table}")["n"][0] == count, table
    assert printed["raw.articles"] == len(list(SEEDS.glob("*.txt"))) == 5 and printed["raw.rejected_files"] == 0
    assert any(re.fullmatch(r"  published at \d{4}-\d\d-\d\d .*", l) for l in lines)
    [failed_line] = [l for l in lines if "checks not passed" in l]
    failed = {name.split(":")[1] for name in failed_line.split(": ", 1)[1].split(", ")}
    assert failed == readme_seed_checks(), f"README says {readme_seed_checks()}, make run printed {failed}"


@ON_SEEDS_RUN_WORKER
def test_make_run_prints_no_progress_bar_when_its_output_is_not_a_terminal(seeds_run):
    out, _ = seeds_run
    printed = out.stdout + out.stderr
    assert "\r" not in printed and "files/s" not in printed and "articles/s" not in printed, printed
    assert "reading files" not in printed and "parsing articles" not in printed


@ON_SEEDS_RUN_WORKER
def test_the_shipped_curation_files_settle_the_seeds_findings_as_the_readme_says(seeds_run):
    _, warehouse = seeds_run
    findings = query(warehouse, "SELECT rule, province_name, year, indicator_codes, acknowledged FROM marts.quality_findings "
                                "ORDER BY rule")
    # The Gia Lai 2021 disagreement (190 services on the national portal in January, 214 in October): acknowledged.
    assert findings.values.tolist() == [
        ["levels_within_procedures", "Đắk Lắk", 2017,
         "online_services_level2|online_services_level3|online_services_level4|procedures_total", False],
        ["sources_agree", "Gia Lai", 2021, "national_portal_services", True]]
    # Đắk Lắk's 100% and 60% of electronic documents in 2017: the 100% (one office's) rejected, the 60% accepted.
    applied = query(warehouse, "SELECT action, applied FROM staging.corrections_applied ORDER BY line")
    assert applied.values.tolist() == [["reject", True], ["accept", True]]
    fact = query(warehouse, "SELECT value, conflict, review_status FROM marts.fact_indicator_yearly "
                            "WHERE province_name = 'Đắk Lắk' AND year = 2017 AND indicator_code = 'documents_electronic_pct'")
    assert fact.values.tolist() == [[60.0, False, "accepted"]]
    assert "100% and 60%" in README.read_text(encoding="utf-8") and "190" in README.read_text(encoding="utf-8")


@ON_SEEDS_RUN_WORKER
def test_make_run_gets_the_great_expectations_suite_from_a_process_of_its_own(seeds_run):
    """make run's process does not load great_expectations: the facts step begins the suite beside the other steps."""
    _, warehouse = seeds_run
    import dagster as dg

    with dg.DagsterInstance.from_config(str(warehouse.parent.parent / "dagster_home")) as instance:
        [run] = instance.get_runs(limit=1)
        [suite] = [r.dagster_event.event_specific_data for r in instance.all_logs(run.run_id)
                   if r.dagster_event and r.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"
                   and r.dagster_event.event_specific_data.check_name == "great_expectations_suite"]
    metadata = {k: getattr(v, "value", v) for k, v in suite.metadata.items()}
    assert metadata["ran_in"].startswith("a process of its own") and "suite_process_failed" not in metadata
    assert metadata["evaluated"] > 0 and Path(metadata["data_docs"]).exists()
    assert not list((warehouse.parent.parent / "quality").glob(".facts_for_suite.*"))


OLD_YEARS = ("Kết quả cải cách hành chính các tỉnh\n\n20/01/2024\n\n"
             + " ".join(f"Năm 1890, tỉnh {p} có {n} dịch vụ công trực tuyến mức độ 4." for p, n in (
                 ("Cao Bằng", 101), ("Bắc Kạn", 102), ("Tuyên Quang", 103), ("Lào Cai", 104), ("Điện Biên", 105),
                 ("Lai Châu", 106), ("Sơn La", 107), ("Yên Bái", 108), ("Hòa Bình", 109), ("Thái Nguyên", 110),
                 ("Lạng Sơn", 111), ("Quảng Ninh", 112), ("Bắc Giang", 113), ("Phú Thọ", 114))) + "\n")


def test_make_run_explains_a_failed_blocking_check_in_a_few_lines(tmp_path):
    """Fourteen figures of 1890 in one article: more than 10 rows and 1 % of the mentions quarantined is a
    broken rule, not an odd article: the blocking check fails, nothing is published, and the terminal says why."""
    raw = copy_seeds(tmp_path / "raw")
    (raw / "old_years.txt").write_text(OLD_YEARS, encoding="utf-8")
    out, warehouse = make_run(tmp_path, INDICATORS_RAW_DIR=str(raw))
    assert out.returncode != 0 and not warehouse.exists()
    # make's own last word: 'make: ***', or 'make[1]: ***' when the tests themselves run under make (make test)
    stderr = [l for l in out.stderr.splitlines() if not re.match(r"make(\[\d+\])?: \*\*\*", l)]
    explanation = stderr[next(i for i, l in enumerate(stderr) if l.startswith("refresh failed (run ")):]
    assert "the published warehouse was left as it was" in explanation[0]
    assert any(re.match(r"  check failed: staging/indicator_mentions \w+", l) for l in explanation), explanation
    assert any("old_years.txt" in l for l in explanation), explanation  # its first failure cases
    assert explanation[-1].startswith("  what to do: the rows above break a blocking check"), explanation
    assert len(explanation) <= 20, "\n".join(explanation)


def test_explain_prints_every_number_of_the_readme_example_with_what_became_of_it():
    command = re.search(r"\.venv/bin/python -m indicators_pipeline\.explain (\S+)", README.read_text(encoding="utf-8"))
    assert command, "README: the explain example is gone"
    out = subprocess.run([sys.executable, "-m", "indicators_pipeline.explain", command.group(1)], cwd=REPO,
                         capture_output=True, text=True, timeout=120, check=True)
    lines = out.stdout.splitlines()
    name = Path(command.group(1)).name
    assert lines[0] == command.group(1) and lines[1].startswith("  title: Ngành Thông tin và Truyền thông tỉnh Gia Lai")
    assert lines[2] == "  address: none; site: none"  # a plain-text file: no page address
    assert lines[3].startswith("  published: 2021-01-30 (text); province: Gia Lai (article: title);")
    facts = [re.search(r"→ fact: (\w+) = ([\d.]+) \(\w+\), ([^,\[]+) \[[^\]]+\], year (\d+)", l)
             for l in lines if l.startswith("  + @")]
    assert all(facts)
    read = {(m.group(1), float(m.group(2))) for m in facts}
    gold = pd.read_csv(GOLD / "seed_mentions.csv")
    gold = gold[gold["file"] == name]
    owed = {(r.indicator, float(r.value)) for r in gold.itertuples() if not r.optional}
    assert owed <= read <= {(r.indicator, float(r.value)) for r in gold.itertuples()}  # as the gold reads the article
    assert {m.group(3) for m in facts} == {"Gia Lai"}
    # Worked by hand: the departments' 89 billion is dropped as a part of government, the 2020 of a heading as a year.
    dropped = {re.search(r"\[(.*?)\]", l).group(1): l.split("→ dropped: ")[1] for l in lines if l.startswith("  - @")}
    assert dropped["89 tỷ đồng"] == "part_of_government — a figure of one ministry, department, district or level of government"
    assert dropped["2.0"].startswith("document_number — ")  # a value filter: the version of an architecture
    positions = [int(re.match(r"  [+~-] @(\d+)", l).group(1)) for l in lines[4:]]
    assert positions == sorted(positions) and len(positions) == len(set(positions))  # one outcome per number, in order
