"""dbt data tests of a build, recorded in schema dq beside the GX results and routed to stewards.

dbt decides whether a failing test blocks (its severity, `data_tests` in dbt_project.yml);
this only records what each test of the build concluded, from dbt's `run_results.json` and the
manifest, so that `iku dq` and the stewards' page list dbt failures by unit too. One
`dq.check_results` row per test that ran (suite `dbt`; skipped tests are not recorded), inserted
in one statement. dbt tests cannot be acknowledged (`iku dq ack` refuses them).

Routing, for the node a test is attached to:

1. its `meta` (`steward`, `penanggung_jawab`) when set;
2. a source (a raw table), or a model that selects from exactly the sources of one contract:
   that contract's steward and penanggung jawab (what the steward delivered);
3. else Bidang INKA / Kabid INKA, who own the models.

Nothing personal is kept: the observed value is the number of failing rows; dbt's message and
the failing rows themselves (which may show a value) are not read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from dagster import AssetKey

from orchestration.checks.dq_store import (
    DBT_SUITE,
    INSERT_RESULT,
    MARTS_PENANGGUNG_JAWAB,
    MARTS_STEWARD,
    ensure_dq_schema,
    source_route,
)

FAILED = {"fail", "warn", "error"}  # dbt's statuses of a test that did not pass
BLOCKS = {"fail", "error"}  # ... and of one whose severity made the build fail


def _tested(test: Mapping[str, Any], manifest: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The model, seed, snapshot or source a test is attached to."""
    uid = test.get("attached_node") or next(iter(test.get("depends_on", {}).get("nodes", [])), None)
    if uid is None:
        return None
    return manifest["nodes"].get(uid) or manifest["sources"].get(uid)


def route(node: Mapping[str, Any], manifest: Mapping[str, Any]) -> tuple[str, str]:
    """(steward, penanggung jawab) of a tested node: see the module's docstring."""
    meta = {**(node.get("meta") or {}), **((node.get("config") or {}).get("meta") or {})}
    if meta.get("steward"):
        return str(meta["steward"]), str(meta.get("penanggung_jawab") or meta["steward"])
    if node["resource_type"] == "source":
        return source_route(node.get("identifier") or node["name"])
    upstream = [
        manifest["sources"][u] for u in node.get("depends_on", {}).get("nodes", []) if u.startswith("source.")
    ]
    routes = {source_route(s.get("identifier") or s["name"]) for s in upstream}
    if len(routes) == 1:
        return routes.pop()
    return MARTS_STEWARD, MARTS_PENANGGUNG_JAWAB


def result_rows(
    run_id: str,
    run_results: Mapping[str, Any],
    manifest: Mapping[str, Any],
    asset_key_of: Callable[[Mapping[str, Any]], AssetKey],
) -> list[dict[str, Any]]:
    """One dq.check_results row (INSERT_RESULT's parameters) per data test that ran."""
    rows = []
    for result in run_results.get("results", []):
        test = manifest["nodes"].get(result["unique_id"])
        if test is None or test["resource_type"] != "test" or result["status"] not in FAILED | {"pass"}:
            continue
        tested = _tested(test, manifest)
        if tested is None:
            continue
        steward, pj = route(tested, manifest)
        severity = str(test["config"].get("severity") or "error").upper()
        failed = result["status"] in FAILED
        count = result.get("failures") if result["status"] != "error" else None
        observed = None
        if result["status"] == "error":
            observed = "the test did not run (dbt error: see the run's log)"
        elif failed:
            observed = f"{count} failing row(s)"
        rows.append(
            {
                "run": run_id,
                "check": test["name"],
                "suite": DBT_SUITE,
                "asset": "/".join(asset_key_of(tested).path),
                "severity": severity,
                "outcome": "failed" if failed else "passed",
                "blocking": result["status"] in BLOCKS and severity == "ERROR",
                "observed": observed,
                "count": count,
                "percent": None,
                "keys": [],
                "steward": steward,
                "pj": pj,
                "description": (
                    test.get("description")
                    or f"dbt data tests of {tested['name']}; the failing rows name the rule, the column "
                    f"and the value: dbt test --select {test['name']} --store-failures"
                ),
                "ack": None,
                "expectations": "[]",
                "gx": None,
            }
        )
    return rows


def record_dbt_tests(
    engine: sa.Engine,
    run_id: str,
    run_results: Mapping[str, Any],
    manifest: Mapping[str, Any],
    asset_key_of: Callable[[Mapping[str, Any]], AssetKey],
) -> int:
    """Record the data tests of one dbt invocation; returns how many rows."""
    rows = result_rows(run_id, run_results, manifest, asset_key_of)
    if rows:
        ensure_dq_schema(engine)
        with engine.begin() as conn:
            conn.execute(INSERT_RESULT, rows)
    return len(rows)


def record_invocation(engine: sa.Engine, run_id: str, invocation, translator, since: float) -> int:
    """`record_dbt_tests` of a finished dagster-dbt invocation, started at `since` (time.time()).
    None when dbt wrote no run_results.json since then (it stopped before running anything: the
    target folder may hold an earlier night's)."""
    path = invocation.target_path / "run_results.json"
    if not path.exists() or path.stat().st_mtime < since:
        return 0
    return record_dbt_tests(
        engine,
        run_id,
        invocation.get_artifact("run_results.json"),
        invocation.manifest,
        translator.get_asset_key,
    )
