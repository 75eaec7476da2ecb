"""The leadership's IKU report, rewritten after each publish: `$IKU_HOME/reports/`, beside the
stewards' Data Docs (`$IKU_HOME/data_docs`).

Invariant: the report files always show the published marts. This asset runs only after the
publish of the same run (a refresh whose checks blocked publishing leaves the last reports,
like the last marts, in place), and writes each file whole before renaming it into place.
The years are chosen by the data, not the clock: the newest year fct_iku holds (provisional
while it runs) and the year before it (the LKjIP year once it has ended).
"""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.report import ReportError, latest_year, read_report, save
from orchestration.resources import WarehouseResource

REPORT_FORMATS = ("html", "xlsx")  # the PDF needs Chromium: `iku report --format pdf` on demand


@asset(
    key=AssetKey(["reports", "iku_report"]),
    group_name="reports",
    deps=[AssetKey(["publish", "marts"])],
    kinds={"html", "xlsx"},
    owners=["team:bagian-perencanaan"],
    description=(
        "Laporan capaian IKU (HTML and XLSX, Bahasa Indonesia) of the newest year and the one before."
    ),
)
def iku_report(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    engine = warehouse.engine()
    newest = latest_year(engine)
    written = []
    if newest is not None:
        for year in (newest, newest - 1):
            try:
                report = read_report(engine, year)
            except ReportError as exc:  # the newest year has data by definition
                if year == newest:
                    raise
                context.log.info(f"no report for {year}: {exc}")
                continue
            written += [save(report, fmt) for fmt in REPORT_FORMATS]
    for path in written:
        context.log.info(f"report: {path}")
    return MaterializeResult(metadata={"files": MetadataValue.json([str(p) for p in written])})
