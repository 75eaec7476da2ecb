"""The marts as a public interface: the catalog's formulas in the docs, the fct_iku indexes
through the publish swap, and the dbt docs site of the published marts, generated and served."""

from __future__ import annotations

import csv
import json
import threading
import urllib.request
from pathlib import Path

import sqlalchemy as sa

from orchestration import catalog_docs, dbt_docs
from orchestration.assets.publish import publish_marts
from orchestration.settings import REPO_ROOT
from orchestration.warehouse import dbt_env, make_engine

CONTRACTED = ["dim_opd", "dim_pegawai", "dim_date", "dim_golongan", "dim_pendidikan", "dim_jabatan"]
CONTRACTED += ["fct_iku", "fct_iku_evidence"]
FCT_IKU_INDEXES = {("indicator_code", "period_id"), ("period_id", "scope"), ("opd_id", "period_id")}


def _catalog() -> list[dict[str, str]]:
    with catalog_docs.CATALOG_CSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_catalog_docs_block_is_generated_from_the_csv() -> None:
    assert catalog_docs.is_current(), "run: python -m orchestration.catalog_docs"
    assert catalog_docs.main(["--check"]) == 0
    text = catalog_docs.DOCS_FILE.read_text(encoding="utf-8")
    for row in _catalog():
        assert f"| {row['indicator_code']} | {' '.join(row['indicator_name'].split())} |" in text
    used = "{{ doc('" + catalog_docs.BLOCK + "') }}"
    assert used in (REPO_ROOT / "dbt_project" / "seeds" / "_seeds.yml").read_text(encoding="utf-8")
    assert used in (REPO_ROOT / "dbt_project" / "models" / "marts" / "_marts__models.yml").read_text(
        encoding="utf-8"
    )


def test_a_changed_catalog_makes_the_docs_out_of_date(tmp_path: Path) -> None:
    changed = tmp_path / "iku_catalog.csv"
    rows = _catalog()
    rows[0]["formula"] = "a new formula | with a pipe"
    with changed.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert not catalog_docs.is_current(changed)
    docs = catalog_docs.write(changed, tmp_path / "formulas.md")
    assert catalog_docs.is_current(changed, docs)
    assert "a new formula \\| with a pipe" in docs.read_text(encoding="utf-8")


def _indexes(engine: sa.Engine, schema: str) -> set[tuple[str, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "select array_agg(a.attname order by k.n) "
                "from pg_index as i "
                "inner join pg_class as t on i.indrelid = t.oid "
                "inner join pg_namespace as s on t.relnamespace = s.oid "
                "cross join lateral unnest(i.indkey) with ordinality as k (attnum, n) "
                "inner join pg_attribute as a on a.attrelid = t.oid and a.attnum = k.attnum "
                "where s.nspname = :s and t.relname = 'fct_iku' "
                "group by i.indexrelid"
            ),
            {"s": schema},
        ).scalars()
        return {tuple(r) for r in rows}


def test_published_marts_keep_indexes_and_get_a_docs_site(built_demo_url: str, tmp_path: Path) -> None:
    engine = make_engine(built_demo_url)
    try:
        assert _indexes(engine, "marts_build") >= FCT_IKU_INDEXES
        publish_marts(engine, CONTRACTED, "test-dbt-docs")
        assert _indexes(engine, "marts") >= FCT_IKU_INDEXES  # the swap carries them along
        with engine.connect() as conn:
            query = "select * from marts.fct_iku where indicator_code = 'BKD-1.3' and period_id = '2025'"
            plan = "\n".join(conn.execute(sa.text(f"explain {query}")).scalars())
        assert "Index" in plan, plan
    finally:
        engine.dispose()

    site = dbt_docs.generate(tmp_path / "site", env=dbt_env(built_demo_url), target_path=tmp_path / "target")
    print(f"dbt docs generate: {site.seconds} s")
    assert sorted(p.name for p in site.folder.iterdir()) == sorted(dbt_docs.SITE_FILES)

    manifest = json.loads((site.folder / "manifest.json").read_text(encoding="utf-8"))
    # the page turns on dbt's usage tracking (its one outside request) only when this is true
    assert manifest["metadata"]["send_anonymous_usage_stats"] is False
    nodes = manifest["nodes"]
    for name in CONTRACTED:
        node = nodes[f"model.gudang_iku.{name}"]
        assert node["schema"] == "marts", name  # the site describes the published relations
        assert node["config"]["contract"]["enforced"], name
        assert all(c["data_type"] for c in node["columns"].values()), name
    for key in ("model.gudang_iku.fct_iku", "seed.gudang_iku.iku_catalog"):
        description = nodes[key]["description"]
        for row in _catalog():
            assert f"| {row['indicator_code']} |" in description, (key, row["indicator_code"])
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert set(exposures) == {"laporan_iku_pimpinan", "dasbor_bi_kepegawaian"}
    report = set(exposures["laporan_iku_pimpinan"]["depends_on"]["nodes"])
    assert report >= {
        "model.gudang_iku.fct_iku",
        "model.gudang_iku.fct_iku_evidence",
        "seed.gudang_iku.iku_catalog",
    }

    catalog = json.loads((site.folder / "catalog.json").read_text(encoding="utf-8"))
    fct_iku = catalog["nodes"]["model.gudang_iku.fct_iku"]
    assert fct_iku["metadata"]["schema"] == "marts"
    assert {"indicator_code", "capaian", "status"} <= set(fct_iku["columns"])

    server = dbt_docs.make_server(site.folder, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert b"dbt" in page.read()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/manifest.json", timeout=10) as served:
            assert json.loads(served.read())["metadata"]["project_name"] == "gudang_iku"
    finally:
        server.shutdown()
        server.server_close()
