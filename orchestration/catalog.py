"""The IKU catalog as the code reads it: `dbt_project/seeds/iku_catalog.csv`, the one file every
indicator's code, unit, penanggung jawab, formula and rumus is written in (dbt loads the same
file as the seed `iku_catalog`). Rows come in the catalog's own order: the agency's IKU first,
then each unit's as the Renstra lists them."""

from __future__ import annotations

import csv
from pathlib import Path

from orchestration.settings import REPO_ROOT

CATALOG_CSV = REPO_ROOT / "dbt_project" / "seeds" / "iku_catalog.csv"


def read_catalog(path: Path = CATALOG_CSV) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))
