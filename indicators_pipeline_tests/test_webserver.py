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


def test_ui_shows_the_graph_and_launches_a_full_materialization(webserver):
    port, warehouse = webserver
    deadline = time.time() + 120
    while True:  # the code location loads in the background
        repos = _graphql(port, """{ repositoriesOrError { __typename ... on RepositoryConnection { nodes {
            name location { name } schedules { name executionTimezone } sensors { name } } } } }""")
        nodes = repos["repositoriesOrError"].get("nodes") or []
        if nodes or time.time() > deadline:
            break
        time.sleep(1)
    repo = nodes[0]
    assert [s["name"] for s in repo["schedules"]] == ["nightly_refresh"]
    assert repo["schedules"][0]["executionTimezone"] == "Asia/Ho_Chi_Minh"
    assert [s["name"] for s in repo["sensors"]] == ["raw_folder_sensor"]

    assets = _graphql(port, """{ assetNodes { assetKey { path } groupName
        assetChecksOrError { ... on AssetChecks { checks { name } } } } }""")["assetNodes"]
    keys = {"/".join(a["assetKey"]["path"]) for a in assets}
    assert {"raw/articles", "staging/indicator_mentions", "marts/fact_indicator_yearly", "publish/indicators_duckdb"} <= keys
    checks = {c["name"] for a in assets for c in (a["assetChecksOrError"].get("checks") or [])}
    assert {"fact_indicator_yearly_schema", "levels_within_procedures", "great_expectations_suite"} <= checks

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
            break
        time.sleep(1)
    assert status == "SUCCESS"
    assert warehouse.exists()
