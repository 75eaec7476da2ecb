"""The quarantined rows of the current loads, for stewards: file, line, field and reason, routed
to the unit of each source's contract.

"Current" is what the `<suite>_nothing_quarantined` checks count (standard.current_quarantine):
the newest loaded batch of a source (per file for per-file sources; for SIMPEG tables also the
batches whose rows are still in the table). One query over `audit.quarantine`, at most
`per_source` rows of each source, with each source's total.

Never `audit.quarantine.value`: it may hold what a steward must correct (a NIP, a date) but
also personal data. The reason is safe to show: for a restricted column (a birth date) the
loader words it without the value (sources.conform: `invalid date`), a personal column is never
loaded, and a SIMPEG reason names the row's key only.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from orchestration.checks.dq_store import source_route
from orchestration.checks.standard import current_quarantine, sources_by_table

PER_SOURCE = 20  # rows listed per source; the total is given beside
REASON_WIDTH = 200


def quarantined_rows(engine: sa.Engine, per_source: int = PER_SOURCE) -> list[dict[str, Any]]:
    """steward, penanggung_jawab, source, file_name, line_number, field, reason and
    rows_in_source (the source's total) of the current loads' quarantined rows, ordered by
    source, file and line."""
    sources = sources_by_table()
    with engine.connect() as conn:
        present = set(
            conn.execute(
                sa.text(
                    "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                    "where n.nspname in ('raw', 'audit') and c.relkind in ('r', 'p')"
                )
            ).scalars()
        )
        if not {"quarantine", "load_batches"} <= present:
            return []
        # a SIMPEG table's current batches are read from the table itself
        current = [
            f"({current_quarantine(s)})" for s in sources.values() if not s.simpeg or s.raw_table in present
        ]
        rows = conn.execute(
            sa.text(
                "select source, file_name, line_number, field, left(reason, :width) as reason, "
                "rows_in_source from (\n"
                "    select q.source, q.file_name, q.line_number, q.field, q.reason,\n"
                "        row_number() over (\n"
                "            partition by q.source order by q.file_name, q.line_number) as n,\n"
                "        count(*) over (partition by q.source) as rows_in_source\n"
                f"    from audit.quarantine q where {' or '.join(current)}\n"
                ") as current where n <= :per order by source, file_name, line_number"
            ),
            {"per": per_source, "width": REASON_WIDTH},
        ).mappings()
        by_name = {s.name: s.raw_table for s in sources.values()}
        out = []
        for r in rows:
            steward, pj = source_route(by_name.get(r["source"], r["source"]))
            out.append({"steward": steward, "penanggung_jawab": pj, **r})
        return out
