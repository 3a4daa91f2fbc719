"""The facts step computes again only the facts whose mentions changed (issue 22), and its table is a full pass's.

Real refreshes through one Dagster instance; after each, the published facts are compared with every fact
computed from the published mentions by the same query and model (`_full_pass`): same rows, same order.
"""
from __future__ import annotations

import dagster as dg
import duckdb
import pandas as pd
import pytest

from indicators_pipeline.defs.marts.assets import _screened
from indicators_pipeline.marts.facts import facts_from
from indicators_pipeline.warehouse import tables
from indicators_pipeline_tests.pipeline_runs import failures, materialization_metadata, materialize_all, query

FACTS = ["marts", "fact_indicator_yearly"]


def _article(title: str, date: str, body: str) -> str:
    return f"{title}\n\n{date}\n\n{body}\n"


# Our own sentences: one province-year told twice with a different level-4 count, then another province.
EARLY = _article("Kon Tum đẩy mạnh dịch vụ công", "12/01/2022",
                 "Năm 2021, tỉnh Kon Tum cung cấp 1.204 dịch vụ công trực tuyến; có 288 dịch vụ công trực tuyến "
                 "mức độ 3 và 201 dịch vụ công trực tuyến mức độ 4.")
LATER = _article("Kon Tum tổng kết năm 2021", "20/03/2022",
                 "Năm 2021, tỉnh Kon Tum có 215 dịch vụ công trực tuyến mức độ 4.")
EARLY_EDITED = EARLY.replace("288 dịch vụ", "290 dịch vụ")
ELSEWHERE = _article("Lâm Đồng: kết quả chuyển đổi số", "05/02/2023",
                     "Năm 2022, tỉnh Lâm Đồng có 1.530 dịch vụ công trực tuyến, trong đó 402 dịch vụ mức độ 4.")


def _full_pass(warehouse_file) -> pd.DataFrame:
    """Every fact of the published mentions, through the model, as the step's full pass computes them."""
    con = duckdb.connect(str(warehouse_file), read_only=True)
    try:
        return _screened(facts_from(con, tables.REVIEWED_MENTIONS.name)).valid[tables.FACTS.column_names]
    finally:
        con.close()


def _published_facts(warehouse_file) -> pd.DataFrame:
    return query(warehouse_file, f"SELECT * FROM {tables.FACTS.name}")  # in the table's own order


def _refresh(raw_dir, warehouse_file, quality_dir, instance) -> dict:
    result = materialize_all(raw_dir, warehouse_file, quality_dir, instance=instance)
    assert result.success, failures(result)
    return {k: getattr(v, "value", v) for k, v in materialization_metadata(result, FACTS).items()}


def _value(warehouse_file, code: str) -> list:
    return query(warehouse_file, f"SELECT value, conflict, n_articles FROM {tables.FACTS.name} WHERE province_name = "
                                 f"'Kon Tum' AND year = 2021 AND indicator_code = '{code}'").values.tolist()


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as shared:
        yield shared


def test_only_the_changed_keys_are_computed_and_the_table_is_a_full_pass(raw_dir, warehouse_file, quality_dir,
                                                                        instance):
    (raw_dir / "kontum_early.txt").write_text(EARLY, encoding="utf-8")
    (raw_dir / "kontum_later.txt").write_text(LATER, encoding="utf-8")
    first = _refresh(raw_dir, warehouse_file, quality_dir, instance)
    assert first["fact_keys_computed_again"] == "all"
    assert _value(warehouse_file, "online_services_level4") == [[215.0, True, 2]]  # the later article's, flagged

    # the later article goes (its conflict with it), the early one is edited, another province arrives
    (raw_dir / "kontum_later.txt").unlink()
    (raw_dir / "kontum_early.txt").write_text(EARLY_EDITED, encoding="utf-8")
    (raw_dir / "lamdong.txt").write_text(ELSEWHERE, encoding="utf-8")
    again = _refresh(raw_dir, warehouse_file, quality_dir, instance)

    facts = _published_facts(warehouse_file)
    assert isinstance(again["fact_keys_computed_again"], int)
    assert 0 < again["fact_keys_computed_again"] < len(facts)
    assert _value(warehouse_file, "online_services_level4") == [[201.0, False, 1]]
    assert _value(warehouse_file, "online_services_level3") == [[290.0, False, 1]]
    assert "Lâm Đồng" in set(facts["province_name"])
    pd.testing.assert_frame_equal(facts, _full_pass(warehouse_file), check_dtype=False)

    # nothing changed: nothing computed; every article of a key gone: its fact goes
    assert "unchanged_since" in _refresh(raw_dir, warehouse_file, quality_dir, instance)
    (raw_dir / "kontum_early.txt").unlink()
    gone = _refresh(raw_dir, warehouse_file, quality_dir, instance)
    assert isinstance(gone["fact_keys_computed_again"], int)
    assert _value(warehouse_file, "online_services_level4") == []
    pd.testing.assert_frame_equal(_published_facts(warehouse_file), _full_pass(warehouse_file), check_dtype=False)


def test_facts_edited_by_hand_are_computed_whole_again(raw_dir, warehouse_file, quality_dir, instance):
    _refresh(raw_dir, warehouse_file, quality_dir, instance)
    working = warehouse_file.with_name(warehouse_file.stem + ".work.duckdb")
    con = duckdb.connect(str(working))
    try:
        con.execute(f"UPDATE {tables.FACTS.name} SET value = value + 1")  # not what the last computation wrote
    finally:
        con.close()
    (raw_dir / "lamdong.txt").write_text(ELSEWHERE, encoding="utf-8")
    again = _refresh(raw_dir, warehouse_file, quality_dir, instance)
    assert again["fact_keys_computed_again"] == "all"
    pd.testing.assert_frame_equal(_published_facts(warehouse_file), _full_pass(warehouse_file), check_dtype=False)


def test_a_change_every_mention_of_a_key_shares_changes_its_state():
    """Whatever column the facts read changes, in both mentions of a key at once, the key is computed again (a
    column shared by an even number of rows must not cancel out of the key's order-free hash)."""
    from indicators_pipeline.marts.facts import _READ, key_state
    from indicators_pipeline_tests.test_facts import mention

    rows = pd.DataFrame([mention("a1", "online_services_level4", 201, start=10),
                         mention("a1", "online_services_level4", 215, start=80)]).assign(held=False)
    con = duckdb.connect()
    try:
        def state(frame: pd.DataFrame) -> int:
            con.register("frame", frame)
            con.execute("CREATE OR REPLACE TABLE mentions AS SELECT * FROM frame")
            return con.execute(f"SELECT fingerprint FROM {key_state(con, 'mentions')}").fetchall()[0][0]

        before = state(rows)
        for column in _READ:
            if column in ("province_name", "year"):  # the key itself: another key, tested above
                continue
            changed = rows.copy()
            changed[column] = ["2023-02-01"] * 2 if column == "published_date" else (
                [7, 7] if column in ("char_start", "char_end") else ["x"] * 2)
            assert state(changed) != before, column
    finally:
        con.close()


def test_a_2025_fact_without_a_date_sorts_alike_in_a_full_pass_and_a_merge():
    """A 2025 mention whose article has no date is not post-merger (false, not unknown): beside the post-merger fact
    of the unit of the same name, the stored facts merged again come out in the full pass's order."""
    from indicators_pipeline.marts.facts import merged_facts
    from indicators_pipeline_tests.test_facts import mention

    undated = dict(mention("a1", "online_services_level4", 201, province="Gia Lai", year=2025), published_date=None)
    after = dict(mention("a2", "online_services_level4", 230, province="Gia Lai", year=2025),
                 published_date="2025-09-10", province_code=None)  # the 2025 unit Gia Lai, which took in Bình Định
    con = duckdb.connect()
    try:
        con.register("frame", pd.DataFrame([undated, after]).assign(held=False))
        con.execute("CREATE TABLE mentions AS SELECT * REPLACE (CAST(published_date AS DATE) AS published_date) "
                    "FROM frame")
        full = facts_from(con, "mentions")
        assert full.set_index("source_mention_id")["is_post_merger"].to_dict() == {
            undated["mention_id"]: False, after["mention_id"]: True}
        con.register("full_pass", full)
        con.execute("CREATE TABLE facts AS SELECT * FROM full_pass")
        con.execute("CREATE TABLE no_change (key VARCHAR)")
        merged = merged_facts(con, "facts", full.iloc[0:0], "no_change")
        pd.testing.assert_frame_equal(merged, full)
    finally:
        con.close()
