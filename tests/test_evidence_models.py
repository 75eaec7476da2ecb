"""The evidence models (dbt_project/models/intermediate/evidence/) are what fct_iku_evidence
unions, found in the project graph when it compiles. dbt orders the build by the refs it reads
while parsing, before that graph exists, so each one must also be a parent of fct_iku_evidence
in the DAG (its depends_on line); the compilation checks it, and so does this test, without a
warehouse (dbt ls only parses)."""

import json
from pathlib import Path

from orchestration.settings import REPO_ROOT
from tests.helpers import run_dbt

EVIDENCE = REPO_ROOT / "dbt_project" / "models" / "intermediate" / "evidence"


def _models(args: list[str], target: Path) -> dict[str, dict]:
    result = run_dbt(["ls", "--resource-type", "model", "--output", "json", "-q", *args], target)
    assert result.returncode == 0, result.stdout[-3000:]
    nodes = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return {node["name"]: node for node in nodes}


def test_every_evidence_model_is_a_parent_of_fct_iku_evidence(tmp_path: Path) -> None:
    in_folder = {path.stem for path in EVIDENCE.glob("*.sql")}
    assert len(in_folder) >= 22
    parents = _models(["-s", "+fct_iku_evidence"], tmp_path)
    assert in_folder - parents.keys() == set()


def test_every_evidence_model_has_the_enforced_contract(tmp_path: Path) -> None:
    models = _models(["-s", "intermediate.evidence"], tmp_path)
    assert models.keys() == {path.stem for path in EVIDENCE.glob("*.sql")}
    assert {name for name, node in models.items() if not node["config"]["contract"]["enforced"]} == set()
    assert {name for name, node in models.items() if node["config"]["materialized"] != "table"} == set()
