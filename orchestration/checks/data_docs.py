"""GX Data Docs for stewards: static HTML of the latest evaluation of every GX check.

Built from the sanitized GX validation results kept in `dq.check_results.gx_result` (never a
value of a personal column: see gx_runner.sanitize_result), with an ephemeral GX context whose
only Data Docs site is a folder, `$IKU_HOME/data_docs` by default. Beside GX's own pages,
`stewards.html` (in Bahasa Indonesia) lists the open failures (GX checks and dbt tests) by unit
with their penanggung jawab, sample keys and acknowledgements, and the current loads'
quarantined rows. The folder is rebuilt whole and swapped in, so a reader never sees a mix.
Every value on these pages that comes from the data or the warehouse reaches them HTML-escaped
(`_for_gx` for GX's pages, `html.escape` on the stewards' page).
"""

import html
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from orchestration import settings
from orchestration.checks.dq_store import latest_results
from orchestration.checks.quarantine import quarantined_rows

SITE_NAME = "gudang_iku"


def data_docs_dir() -> Path:
    return settings.iku_home() / "data_docs"


def _escaped(value: Any, quote: bool = True) -> Any:
    """`value` with every string in it HTML-escaped (dict keys kept: GX reads them)."""
    if isinstance(value, str):
        return html.escape(value, quote=quote)
    if isinstance(value, list | tuple):
        return [_escaped(v, quote) for v in value]
    if isinstance(value, dict):
        return {k: _escaped(v, quote) for k, v in value.items()}
    return value


def _for_gx(r: dict[str, Any]) -> dict[str, Any]:
    """The stored validation result of a dq row, as GX's site builder takes it.

    Invariant: no string of the result reaches a page unescaped. GX 1.x (1.24) escapes what
    it substitutes into its sentences and tables (kwargs such as value sets and regexes,
    exception messages, the meta tables of a validation page) but writes observed values,
    lists of unexpected values and tracebacks into its pages as they are, and the batch spec
    (the check's query) raw into the index page's script: those are escaped here. The query
    is escaped without its quotes, so a validation page's "Batch Spec" table shows `&lt;` for
    a `<` of the query: the price of a safe index. tests/test_safe_outputs.py holds GX to
    this. A result whose query failed has no suite name and no traceback, which GX needs to
    render its page."""
    data = dict(r["gx_result"])
    data.pop("id", None)
    data.setdefault("suite_name", r["check_name"])
    meta = dict(data.get("meta") or {})
    if "batch_spec" in meta:
        meta["batch_spec"] = _escaped(meta["batch_spec"], quote=False)
    data["meta"] = {
        **meta,
        "steward": r["steward"],
        "penanggung_jawab": r["penanggung_jawab"],
        "severity": r["severity"],
        "outcome": r["outcome"],
    }
    data["results"] = [_result_for_gx(result) for result in data.get("results") or []]
    return data


def _result_for_gx(result: dict[str, Any]) -> dict[str, Any]:
    info = dict(result.get("exception_info") or {})
    if info:
        info["exception_traceback"] = _escaped(info.get("exception_traceback") or "")
    return {**result, "result": _escaped(result.get("result") or {}), "exception_info": info}


def _gx_site(results: list[dict[str, Any]], folder: Path) -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.add_data_docs_site(
        SITE_NAME,
        {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "show_cta_footer": False},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder)},
        },
    )
    seen = set()
    for r in results:
        if not r.get("gx_result") or r["check_name"] in seen:
            continue
        seen.add(r["check_name"])
        data = _for_gx(r)
        validation = ExpectationSuiteValidationResult(**data)
        key = ValidationResultIdentifier(
            ExpectationSuiteIdentifier(name=r["check_name"]),
            RunIdentifier(run_name=r["run_id"], run_time=r["checked_at"]),
            "__none__",
        )
        context.validation_results_store.set(key, validation)
    context.build_data_docs(site_names=[SITE_NAME])


OUTCOMES_ID = {"failed": "gagal", "acknowledged": "diakui", "passed": "lulus"}


def _stewards_page(results: list[dict[str, Any]], quarantine: list[dict[str, Any]]) -> str:
    """The stewards' page, in Bahasa Indonesia: open failures (GX checks and dbt tests) and the
    current loads' quarantined rows (file, line, field, reason: never the value), by unit."""
    e = html.escape
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        if r["outcome"] != "passed":
            by_unit.setdefault(r["steward"], []).append(r)
    held: dict[str, list[dict[str, Any]]] = {}
    for q in quarantine:
        held.setdefault(q["steward"], []).append(q)
    parts = [
        "<!doctype html><html lang='id'><head><meta charset='utf-8'>"
        "<title>Gudang IKU: mutu data per unit</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
        ".failed{color:#b00}.acknowledged{color:#a60}</style></head><body>",
        "<h1>Kegagalan pemeriksaan mutu data yang masih terbuka, per unit</h1>",
        f"<p>Evaluasi terakhir setiap pemeriksaan (Great Expectations dan uji dbt), dibuat "
        f"{e(datetime.now().isoformat(timespec='seconds'))}. Kegagalan bertingkat ERROR menahan "
        "publikasi IKU kecuali diakui (<code>iku dq ack</code>). Baris yang dikarantina tidak dimuat: "
        "kirim ulang berkasnya dengan baris yang sudah diperbaiki. "
        "<a href='index.html'>Semua hasil validasi (GX Data Docs)</a>.</p>",
    ]
    if not by_unit and not held:
        parts.append("<p>Tidak ada kegagalan yang terbuka.</p>")
    for unit in sorted(by_unit.keys() | held.keys()):
        parts.append(f"<h2>{e(unit)}</h2>")
        if unit in by_unit:
            parts.append(
                "<table><tr><th>pemeriksaan</th><th>aset</th><th>tingkat</th>"
                "<th>hasil</th><th>penanggung jawab</th><th>nilai teramati</th><th>jumlah tidak sesuai</th>"
                "<th>contoh kunci</th><th>pengakuan</th></tr>"
            )
        for r in by_unit.get(unit, []):
            ack = (
                f"oleh {e(r['acknowledged_by'])} sampai {e(str(r['ack_expires_on']))}: {e(r['ack_note'])}"
                if r.get("ack_id")
                else ""
            )
            outcome = OUTCOMES_ID.get(r["outcome"], r["outcome"])
            parts.append(
                f"<tr><td>{e(r['check_name'])}<br><small>{e(r['description'] or '')}</small></td>"
                f"<td>{e(r['asset_key'])}</td><td>{e(r['severity'])}</td>"
                f"<td class='{e(r['outcome'])}'>{e(outcome)}</td><td>{e(r['penanggung_jawab'])}</td>"
                f"<td>{e(r['observed_value'] or '')}</td><td>{e(str(r['unexpected_count'] or ''))}</td>"
                f"<td>{e(', '.join(r['sample_keys'] or []))}</td><td>{ack}</td></tr>"
            )
        if unit in by_unit:
            parts.append("</table>")
        if unit in held:
            parts.append(
                "<h3>Baris yang dikarantina pada muatan terakhir</h3>"
                "<table><tr><th>sumber</th><th>berkas</th><th>baris</th><th>kolom</th><th>alasan</th>"
                "<th>penanggung jawab</th></tr>"
            )
            parts += [
                f"<tr><td>{e(q['source'])}</td><td>{e(q['file_name'])}</td><td>{q['line_number']}</td>"
                f"<td>{e(q['field'])}</td><td>{e(q['reason'])}</td><td>{e(q['penanggung_jawab'])}</td></tr>"
                for q in held[unit]
            ]
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def build_data_docs(engine: sa.Engine, folder: Path | None = None) -> Path:
    """Rebuild the Data Docs folder from the latest results in schema dq; returns index.html."""
    folder = (folder or data_docs_dir()).resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    results = latest_results(engine)
    building = folder.with_name(f"{folder.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    try:
        _gx_site(results, building)
        page = _stewards_page(results, quarantined_rows(engine))
        (building / "stewards.html").write_text(page, encoding="utf-8")
        old = folder.with_name(f"{folder.name}.old-{os.getpid()}")
        if folder.exists():
            folder.rename(old)
        building.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return folder / "index.html"
