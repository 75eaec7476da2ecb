"""Create every raw table a contract declares, empty, so dbt can build before all sources arrive.

The raw assets create their own table on each run; this is for a warehouse (or a test) that
runs dbt before every source has been delivered once.
"""

from __future__ import annotations

import sqlalchemy as sa

from sources.contracts import load_contracts
from sources.load import ensure_audit, raw_table_ddl
from sources.simpeg import ensure_raw_table, load_simpeg_config


def ensure_raw_tables(engine: sa.Engine) -> list[str]:
    """Create the audit schema, every contract's raw table and every SIMPEG raw table that does
    not exist yet."""
    ensure_audit(engine)
    contracts = load_contracts().values()
    with engine.begin() as conn:
        for contract in contracts:
            conn.exec_driver_sql(raw_table_ddl(contract))
    tables = load_simpeg_config().values()
    for table in tables:
        ensure_raw_table(engine, table)
    return [c.raw_table for c in contracts] + [t.raw_table for t in tables]
