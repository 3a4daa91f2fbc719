"""The real dagster-webserver and daemon from workspace.yaml on a loopback port, on `make dev`'s instance: the graph,
checks, schedule, sensor, runs launched from the UI and the run queue that starts one refresh at a time."""
from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from indicators_pipeline_tests.conftest import copy_seeds

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# one worker of a parallel run (pytest-xdist) starts the module's webserver and daemon once and runs all its tests
pytestmark = [pytest.mark.webserver, pytest.mark.xdist_group("webserver")]


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


def _start(command: list[str], env: dict, log) -> subprocess.Popen:
    """A process of its own session, so that it and every process it starts (code servers, run workers) stop together."""
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    try:  # whatever of its session is left (a run worker, a code server)
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


@dataclasses.dataclass(frozen=True)
class Dev:
    port: int
    raw: Path
    warehouse: Path
    log: Path


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    """`make dev` on a loopback port: the instance cli.prepare_dagster_home writes (runs queue, one refresh at a
    time), the webserver and the daemon (its run queue starts the runs the UI launches). The daemon starts once the
    sensor and the schedule are stopped through the UI's API, so that the only runs are the tests' own. One for the
    module (starting both takes seconds): each test waits for its runs to end, and passes whatever ran before it."""
    from indicators_pipeline.cli import prepare_dagster_home

    tmp_path = tmp_path_factory.mktemp("webserver")
    raw_dir = copy_seeds(tmp_path / "raw")
    with pytest.MonkeyPatch.context() as monkeypatch:  # prepare_dagster_home sets DAGSTER_HOME: this process's is restored
        monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
        home = prepare_dagster_home()
    # make dev's run queue, limits and all; only the daemon looks at it every second instead of every 5 (Dagster's default)
    config_file = Path(home) / "dagster.yaml"
    config = yaml.safe_load(config_file.read_text())
    config["run_queue"]["dequeue_interval_seconds"] = 1
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    port = _free_port()
    env = dict(os.environ, DAGSTER_HOME=home, INDICATORS_RAW_DIR=str(raw_dir),
               INDICATORS_WAREHOUSE=str(tmp_path / "wh" / "indicators.duckdb"), INDICATORS_QUALITY_DIR=str(tmp_path / "q"))
    log = open(tmp_path / "webserver.log", "w")
    processes = [_start([str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
                        env, log)]
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2):
                    break
            except OSError:
                assert processes[0].poll() is None and time.time() < deadline, (tmp_path / "webserver.log").read_text()[-3000:]
                time.sleep(0.5)
        repo = _repository(port)
        for sensor in repo["sensors"]:
            stopped = _graphql(port, """mutation($id: String) { stopSensor(id: $id) { __typename
                ... on StopSensorMutationResult { instigationState { status } } } }""", {"id": sensor["sensorState"]["id"]})
            assert stopped["stopSensor"]["instigationState"]["status"] == "STOPPED", stopped
        for schedule in repo["schedules"]:
            stopped = _graphql(port, """mutation($id: String) { stopRunningSchedule(id: $id) { __typename
                ... on ScheduleStateResult { scheduleState { status } } } }""", {"id": schedule["scheduleState"]["id"]})
            assert stopped["stopRunningSchedule"]["scheduleState"]["status"] == "STOPPED", stopped
        processes.append(_start([str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], env, log))
        yield Dev(port, raw_dir, tmp_path / "wh" / "indicators.duckdb", tmp_path / "webserver.log")
    finally:
        for process in reversed(processes):
            _stop(process)
        log.close()


def _repository(port: int) -> dict:
    deadline = time.time() + 120
    while True:  # the code location loads in the background
        repos = _graphql(port, """{ repositoriesOrError { __typename ... on RepositoryConnection { nodes {
            name location { name } schedules { name executionTimezone scheduleState { id } }
            sensors { name sensorState { id } } } } } }""")
        nodes = repos["repositoriesOrError"].get("nodes") or []
        if nodes or time.time() > deadline:
            return nodes[0]
        time.sleep(1)


def _launch(port: int, repo: dict) -> str:
    """Launch refresh_warehouse as the UI's button does; the run's id."""
    launched = _graphql(port, """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
        __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }""",
        {"params": {"selector": {"repositoryLocationName": repo["location"]["name"], "repositoryName": repo["name"],
                                 "jobName": "refresh_warehouse"}}})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return launched["run"]["runId"]


def _run(port: int, run_id: str) -> dict:
    return _graphql(port, """query($id: ID!) { runOrError(runId: $id) { ... on Run { status startTime endTime
        tags { key value } } } }""", {"id": run_id})["runOrError"]


ENDED = ("SUCCESS", "FAILURE", "CANCELED")


def _refresh(port: int, repo: dict) -> str:
    """Launch refresh_warehouse as the UI's button does and wait for it to end; its status."""
    run_id = _launch(port, repo)
    deadline = time.time() + 300
    while True:
        status = _run(port, run_id)["status"]
        if status in ENDED or time.time() > deadline:
            return status
        time.sleep(0.25)


def test_ui_shows_the_graph_and_launches_a_full_materialization_and_the_run_queue_starts_one_refresh_at_a_time(
        webserver):
    """The graph, checks, schedule and sensor the UI shows; then two refreshes launched from the UI on the empty
    warehouse: the first is a full materialization; the second waits QUEUED while the first holds the refresh tag's
    one slot (the run queue of cli.prepare_dagster_home's dagster.yaml), then runs; the two never run at once.
    (The full materialization had a run of its own before the two: the first of the two is that run now.)"""
    port, warehouse = webserver.port, webserver.warehouse
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

    queue = _graphql(port, "{ instance { runQueueConfig { tagConcurrencyLimitsYaml } } }")["instance"]["runQueueConfig"]
    assert "indicators/refresh" in queue["tagConcurrencyLimitsYaml"], queue
    first, second = _launch(port, repo), _launch(port, repo)
    in_progress = ("STARTING", "STARTED")
    seen, deadline = [], time.time() + 240
    while True:
        statuses = (_run(port, first)["status"], _run(port, second)["status"])
        seen.append(statuses)
        if all(s in ENDED for s in statuses):
            break
        assert time.time() < deadline, seen[-5:]
        time.sleep(0.2)
    assert statuses == ("SUCCESS", "SUCCESS"), statuses
    assert not any(a in in_progress and b in in_progress for a, b in seen), "two refreshes ran at once"
    assert any(a in in_progress and b == "QUEUED" for a, b in seen), "the second never waited for the first"
    runs = [_run(port, first), _run(port, second)]
    assert all({"key": "indicators/refresh", "value": "warehouse"} in r["tags"] for r in runs)
    assert runs[1]["startTime"] >= runs[0]["endTime"], runs  # started after the first ended, not only seen so
    assert warehouse.exists()


CONTRADICTION = ("Lạng Sơn: kết quả cải cách hành chính năm 2021\n\n15/01/2022\n\n"
                 "Năm 2021, tỉnh Lạng Sơn có 200 dịch vụ công trực tuyến mức độ 3, 300 dịch vụ công trực tuyến mức độ 4. "
                 "Tổng số dịch vụ công trực tuyến mức độ 3 và 4 là 520.\n")


def test_a_failed_check_shows_the_indicator_values_and_source_article_of_a_contradiction(webserver):
    """What an engineer reads in the UI, read over its GraphQL: the findings table, not the first finding."""
    (webserver.raw / "contradiction.txt").write_text(CONTRADICTION, encoding="utf-8")
    port = webserver.port
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
    log = webserver.log.read_text()
    assert "does not match" not in log and "BetaWarning" not in log, log[-3000:]
