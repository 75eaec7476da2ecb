"""The Dagster UI in a real browser, on a refreshed demo warehouse.

The nightly job runs once in this process on a copy of the built demo warehouse, recording into
a Dagster home of the module's own (the `dagster.yaml` iku writes); `dagster-webserver` is then
started on that home and warehouse, as `iku serve` starts it (no daemon: nothing may run while
the pages are read). Headless Chromium (orchestration.report.browser.devtools_page) opens:

- the global asset lineage: every asset group of the code location drawn in the graph; the
  graph of the group `publish`: its assets drawn, each materialized by the run;
- the checks of raw/siasn_pns: every check the run evaluated, by name, none "Not Evaluated";
- the nightly schedule: its cron `0 2 * * *`, timezone Asia/Jayapura, and its switch on;
- the automation list: every sensor and schedule the code location defines, by name, each on.

The UI draws itself with JavaScript: each page is read once the texts looked for are in it
(else the failure names what is missing and what the page shows). Each page is kept as a PNG
(`$IKU_TEST_ARTIFACTS`, default `test-artifacts/`, `ui-*.png`), and every request the pages
made must go to the webserver on 127.0.0.1 (no CDN, no telemetry, no newsletter); the page the
webserver serves says telemetry is off.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from dagster import AssetKey, DagsterInstance

from orchestration.dagster_storage import write_instance_yaml
from orchestration.dbt_project import DBT_PROJECT, IkuDbtCliResource, dbt_executable
from orchestration.definitions import build_definitions
from orchestration.report.browser import BrowserError, DevToolsPage, devtools_page
from orchestration.resources import SourceDropResource, WarehouseResource
from orchestration.settings import REPO_ROOT
from tests.helpers import chromium_or_skip, free_port

pytestmark = [pytest.mark.warehouse, pytest.mark.slow]

STARTUP_SECONDS = 240  # the code location loads the definitions (dbt parse) on a busy 2-core machine
PAGE_SECONDS = 90  # a page's first GraphQL answers on a cold webserver
CHECKED_ASSET = AssetKey(["raw", "siasn_pns"])
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# every name drawn as a node of the graph (the graph is an SVG, its nodes HTML in foreignObjects)
DRAWN_IN_GRAPH = """((names) => {
  const drawn = new Set([...document.querySelectorAll('svg foreignObject *')]
    .filter((e) => e.children.length === 0).map((e) => e.textContent.trim()));
  return names.every((name) => drawn.has(name));
})(%s)"""
# name → the state of the on/off switch in the same row: true, false; null when there is none
# or while it is disabled (drawn off and disabled until the state has loaded)
SWITCHES = """((names) => Object.fromEntries(names.map((name) => {
  const leaf = [...document.querySelectorAll('body *')].find(
    (e) => e.children.length === 0 && e.textContent.trim() === name);
  let row = leaf;
  const switchIn = (e) => e.querySelector('[class*="Switch"] input[type=checkbox]');
  while (row && !switchIn(row)) row = row.parentElement;
  const s = row && switchIn(row);
  return [name, s && !s.disabled ? s.checked : null];
})))(%s)"""
# the on/off switch in the table row whose label is the given text: as above
SWITCH_OF_ROW = """((label) => {
  const row = [...document.querySelectorAll('tr')].find((r) => r.innerText.trim().startsWith(label));
  const s = row && row.querySelector('input[type=checkbox]');
  return s && !s.disabled ? s.checked : null;
})(%s)"""


def _graphql(base: str, query: str) -> dict | None:
    request = urllib.request.Request(
        f"{base}/graphql", json.dumps({"query": query}).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["data"]
    except (urllib.error.URLError, OSError, ValueError, KeyError):
        return None


LOCATIONS = """{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


@dataclass(frozen=True)
class Ui:
    """The webserver on the refreshed warehouse, and what the run left for it to show."""

    base: str
    asset_groups: list[str]
    publish_assets: list[str]  # the names of the assets of the group `publish`
    checks_run: list[str]  # the checks of CHECKED_ASSET that the run evaluated
    sensors: list[str]
    schedules: list[str]


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("IKU_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def chromium() -> None:
    """Before the demo warehouse is built: a skip (or, under CI, a failure) costs nothing."""
    chromium_or_skip()


@pytest.fixture(scope="module")
def ui(
    chromium: None, built_demo_module_url: str, demo_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Ui]:
    root = tmp_path_factory.mktemp("ui")
    home, drop = root / "home", root / "drop"
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True)
    shutil.copytree(demo_dir, drop)
    write_instance_yaml(dagster_home)  # iku's instance: telemetry off, the event log in SQLite

    defs = build_definitions(
        {
            "warehouse": WarehouseResource(url=built_demo_module_url),
            "source_drop": SourceDropResource(path=str(drop)),
            "dbt": IkuDbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()),
        }
    )
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        result = defs.resolve_job_def("nightly_refresh").execute_in_process(
            instance=instance, raise_on_error=False
        )
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    checks_run = sorted(
        {e.check_name for e in result.get_asset_check_evaluations() if e.asset_key == CHECKED_ASSET}
    )
    assert checks_run
    specs = defs.resolve_all_asset_specs()
    groups = sorted({spec.group_name or "default" for spec in specs})

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IKU_", "DAGSTER_"))}
    env.update(
        IKU_HOME=str(home),
        DAGSTER_HOME=str(dagster_home),
        IKU_WAREHOUSE_URL=built_demo_module_url,
        IKU_SOURCES_DIR=str(drop),
        PYTHONUNBUFFERED="1",
    )
    log = root / "webserver.log"
    webserver = Path(sys.executable).parent / "dagster-webserver"
    command = [str(webserver), "-w", str(REPO_ROOT / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"dagster-webserver exited ({process.returncode}):\n{log.read_text()[-3000:]}")
            data = _graphql(base, LOCATIONS)
            entries = (data or {}).get("workspaceOrError", {}).get("locationEntries", [])
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                break
            assert time.monotonic() < deadline, f"the UI did not load in time:\n{log.read_text()[-3000:]}"
            time.sleep(1)
        errors = [e for e in entries if e["locationOrLoadError"]["__typename"] != "RepositoryLocation"]
        assert not errors, errors
        yield Ui(
            base=base,
            asset_groups=groups,
            publish_assets=sorted(s.key.path[-1] for s in specs if s.group_name == "publish"),
            checks_run=checks_run,
            sensors=sorted(s.name for s in defs.sensors or []),
            schedules=sorted(s.name for s in defs.schedules or []),
        )
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def page(ui: Ui) -> Iterator[DevToolsPage]:
    with devtools_page(width=1440, height=900) as tab:
        yield tab
        outside = [
            url
            for url in tab.requests
            if urlsplit(url).scheme in {"http", "https", "ws", "wss"}
            and urlsplit(url).hostname not in LOCAL_HOSTS
        ]
        assert tab.requests and not outside, f"the UI asked outside 127.0.0.1: {outside}"


def _open(page: DevToolsPage, ui: Ui, path: str, expected: list[str], absent: tuple[str, ...] = ()) -> str:
    page.goto(ui.base + path)
    try:
        return page.wait_for_text(expected, PAGE_SECONDS, absent)
    except BrowserError as exc:
        pytest.fail(f"{path}: {exc}", pytrace=False)


def test_the_ui_is_served_with_telemetry_off(ui: Ui) -> None:
    """What the webserver tells the page (iku's dagster.yaml: `telemetry: enabled: false`)."""
    with urllib.request.urlopen(ui.base + "/", timeout=30) as response:
        html = response.read().decode()
    found = re.search(r'<script[^>]*id="initialization-data"[^>]*>(.*?)</script>', html, re.S)
    assert found, html[:2000]
    assert json.loads(found.group(1))["telemetryEnabled"] is False


def test_asset_lineage_draws_every_group_and_the_publish_group_materialized(
    ui: Ui, page: DevToolsPage, artifacts: Path
) -> None:
    page.goto(ui.base + "/asset-groups")
    drawn = page.wait_until(DRAWN_IN_GRAPH % json.dumps(ui.asset_groups), PAGE_SECONDS)
    assert drawn is True and "Global asset lineage" in page.text()
    page.screenshot(artifacts / "ui-asset-lineage.png")

    # one group's graph: its assets drawn as nodes, each with the run's materialization
    page.goto(ui.base + "/locations/gudang_iku/asset-groups/publish")
    drawn = page.wait_until(DRAWN_IN_GRAPH % json.dumps(ui.publish_assets), PAGE_SECONDS)
    assert drawn is True
    try:
        page.wait_for_text(["Materialized"], PAGE_SECONDS, absent=["Never materialized"])
    except BrowserError as exc:
        pytest.fail(f"the publish group: {exc}", pytrace=False)
    page.screenshot(artifacts / "ui-asset-group-publish.png")


def test_asset_checks_of_raw_siasn_pns_show_the_runs_results(
    ui: Ui, page: DevToolsPage, artifacts: Path
) -> None:
    path = "/assets/" + "/".join(CHECKED_ASSET.path) + "?view=checks"
    text = _open(page, ui, path, [f"Checks ({len(ui.checks_run)})", *ui.checks_run], ("Not Evaluated",))
    assert "siasn_pns" in text
    page.screenshot(artifacts / "ui-asset-checks.png")


def test_nightly_schedule_page_shows_cron_timezone_and_running(
    ui: Ui, page: DevToolsPage, artifacts: Path
) -> None:
    path = "/locations/gudang_iku/schedules/nightly_refresh_schedule"
    _open(page, ui, path, ["nightly_refresh_schedule", "0 2 * * *", "Asia/Jayapura", "nightly_refresh"])
    running = page.wait_until(
        SWITCH_OF_ROW % json.dumps("Running"), PAGE_SECONDS, done=lambda v: v is not None
    )
    assert running is True, "the schedule's switch is off"
    page.screenshot(artifacts / "ui-schedule.png")


def test_automation_lists_every_sensor_and_schedule_running(
    ui: Ui, page: DevToolsPage, artifacts: Path
) -> None:
    names = [*ui.sensors, *ui.schedules]
    assert {"data_docs_after_refresh", "data_docs_after_blocked_refresh", "alert_on_failed_refresh"} <= set(
        names
    )
    _open(page, ui, "/overview/automation", names)
    switches = page.wait_until(
        SWITCHES % json.dumps(names), PAGE_SECONDS, done=lambda v: None not in v.values()
    )
    assert switches == dict.fromkeys(names, True), switches
    page.screenshot(artifacts / "ui-automation.png")
