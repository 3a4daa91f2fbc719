"""The real dagster-webserver from workspace.yaml on a loopback port: the graph, checks, schedule, sensor, a run."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
WEBSERVER = Path(sys.executable).parent / "dagster-webserver"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.load(response)
    assert "errors" not in body, body
    return body["data"]


@pytest.fixture
def webserver(raw_dir, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        "telemetry:\n  enabled: false\n"
        "run_coordinator:\n  module: dagster._core.run_coordinator\n  class: DefaultRunCoordinator\n")
    port = _free_port()
    env = dict(os.environ, DAGSTER_HOME=str(home), INDICATORS_RAW_DIR=str(raw_dir),
               INDICATORS_WAREHOUSE=str(tmp_path / "wh" / "indicators.duckdb"), INDICATORS_QUALITY_DIR=str(tmp_path / "q"))
    log = open(tmp_path / "webserver.log", "w")
    process = subprocess.Popen([str(WEBSERVER), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
                               cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2):
                break
        except OSError:
            assert process.poll() is None and time.time() < deadline, (tmp_path / "webserver.log").read_text()[-3000:]
            time.sleep(0.5)
    yield port, tmp_path / "wh" / "indicators.duckdb"
    process.terminate()
    process.wait(timeout=30)
    log.close()


def _repository(port: int) -> dict:
    deadline = time.time() + 120
    while True:  # the code location loads in the background
        repos = _graphql(port, """{ repositoriesOrError { __typename ... on RepositoryConnection { nodes {
            name location { name } schedules { name executionTimezone } sensors { name } } } } }""")
        nodes = repos["repositoriesOrError"].get("nodes") or []
        if nodes or time.time() > deadline:
            return nodes[0]
        time.sleep(1)


def _refresh(port: int, repo: dict) -> str:
    """Launch refresh_warehouse as the UI's button does and wait for it to end; its status."""
    launched = _graphql(port, """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
        __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }""",
        {"params": {"selector": {"repositoryLocationName": repo["location"]["name"], "repositoryName": repo["name"],
                                 "jobName": "refresh_warehouse"}}})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    deadline = time.time() + 300
    while True:
        status = _graphql(port, """query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }""",
                          {"id": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED") or time.time() > deadline:
            return status
        time.sleep(1)


def test_ui_shows_the_graph_and_launches_a_full_materialization(webserver):
    port, warehouse = webserver
    repo = _repository(port)
    assert repo["location"]["name"] == "indicators_pipeline"
    assert [s["name"] for s in repo["schedules"]] == ["nightly_refresh"]
    assert repo["schedules"][0]["executionTimezone"] == "Asia/Ho_Chi_Minh"
    assert [s["name"] for s in repo["sensors"]] == ["raw_folder_sensor"]

    assets = _graphql(port, """{ assetNodes { assetKey { path } groupName
        assetChecksOrError { ... on AssetChecks { checks { name } } } } }""")["assetNodes"]
    keys = {"/".join(a["assetKey"]["path"]) for a in assets}
    assert {"raw/folder", "raw/articles", "staging/indicator_mentions", "marts/fact_indicator_yearly",
            "publish/indicators_duckdb"} <= keys
    checks = {c["name"] for a in assets for c in (a["assetChecksOrError"].get("checks") or [])}
    assert {"fact_indicator_yearly_schema", "levels_within_procedures", "great_expectations_suite"} <= checks

    assert _refresh(port, repo) == "SUCCESS"
    assert warehouse.exists()


CONTRADICTION = ("Lạng Sơn: kết quả cải cách hành chính năm 2021\n\n15/01/2022\n\n"
                 "Năm 2021, tỉnh Lạng Sơn có 200 dịch vụ công trực tuyến mức độ 3, 300 dịch vụ công trực tuyến mức độ 4. "
                 "Tổng số dịch vụ công trực tuyến mức độ 3 và 4 là 520.\n")


def test_a_failed_check_shows_the_indicator_values_and_source_article_of_a_contradiction(webserver, raw_dir, tmp_path):
    """What an engineer reads in the UI, read over its GraphQL: the findings table, not the first finding."""
    (raw_dir / "contradiction.txt").write_text(CONTRADICTION, encoding="utf-8")
    port, _ = webserver
    assert _refresh(port, _repository(port)) == "SUCCESS"
    rule = "level3_plus_level4_equals_level34"
    found = _graphql(port, """query($key: AssetKeyInput!, $name: String!) {
        assetCheckExecutions(assetKey: $key, checkName: $name, limit: 1) { evaluation { success severity description
            metadataEntries { label ... on TableMetadataEntry { table { records schema { columns { name } } } } } } }
        assetNodes(assetKeys: [$key]) { assetChecksOrError { ... on AssetChecks { checks { name description } } } } }""",
        {"key": {"path": ["marts", "quality_findings"]}, "name": rule})
    evaluation = found["assetCheckExecutions"][0]["evaluation"]
    assert not evaluation["success"] and evaluation["severity"] == "WARN"  # the source contradicts itself
    assert "Lạng Sơn 2021" in evaluation["description"]
    table = next(e["table"] for e in evaluation["metadataEntries"] if e["label"] == "findings_table")
    assert [c["name"] for c in table["schema"]["columns"]][:5] == ["province", "year", "indicators", "expected", "observed"]
    [record] = [json.loads(r) for r in table["records"]]
    assert record["province"] == "Lạng Sơn" and record["year"] == "2021"
    assert record["indicators"] == "online_services_level3|online_services_level4|online_services_level34"
    assert record["observed"] == "500" and "520" in record["detail"] and record["tolerance"] == "exact"
    assert record["source articles"] == "contradiction.txt"
    assert record["titles"] == "Lạng Sơn: kết quả cải cách hành chính năm 2021"
    described = {c["name"]: c["description"] for c in found["assetNodes"][0]["assetChecksOrError"]["checks"]}
    assert "online_services_level3 + online_services_level4 = online_services_level34" in described[rule]
    assert "Severity: warn" in described[rule] and "Tolerance:" in described[rule]
    log = (tmp_path / "webserver.log").read_text()
    assert "does not match" not in log and "BetaWarning" not in log, log[-3000:]
