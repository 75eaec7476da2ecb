"""Extraction from a regional SIMPEG database (issue 3, item c).

Regional SIMPEG applications (PHP on MySQL/MariaDB) keep the histories SIASN does not export
well: kenaikan gaji berkala, cuti, mutasi. Gudang IKU reads them through SQLAlchemy from any URL
(`IKU_SIMPEG_URL`; the demo writes a SQLite file named `DEMO_DB_NAME` into the drop folder),
with the table and column mapping in `simpeg.yml`, incrementally by a watermark column where a
table has one. See docs/simpeg.md.
"""

from sources.simpeg.config import CONFIG_ENV, TableConfig, config_path, load_simpeg_config, parse_config
from sources.simpeg.extract import (
    FULL_REFRESH_ENV,
    ExtractResult,
    ensure_extract_audit,
    ensure_raw_table,
    extract_all,
    extract_table,
    full_refresh_requested,
    stored_watermark,
)
from sources.simpeg.source import ExtractError, simpeg_engine

DEMO_DB_NAME = "simpeg.sqlite"
URL_ENV = "IKU_SIMPEG_URL"

__all__ = [
    "CONFIG_ENV",
    "DEMO_DB_NAME",
    "FULL_REFRESH_ENV",
    "URL_ENV",
    "ExtractError",
    "ExtractResult",
    "TableConfig",
    "config_path",
    "ensure_extract_audit",
    "ensure_raw_table",
    "extract_all",
    "extract_table",
    "full_refresh_requested",
    "load_simpeg_config",
    "parse_config",
    "simpeg_engine",
    "stored_watermark",
]
