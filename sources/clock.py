"""The one "today" of the warehouse outside the delivered data: IKU_TODAY (YYYY-MM-DD) when set,
else the date in WIT. No figure reads it (the figures' dates are the exports' own, see
docs/indicators.md); it dates what is not in a delivered file: a SIMPEG extraction's as-of date
(its `past` dates may not lie after it) and the acknowledgement windows of data-quality checks.
Set it to replay a night as of another day."""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

WIT = ZoneInfo("Asia/Jayapura")


def today() -> date:
    setting = os.environ.get("IKU_TODAY", "").strip()
    if setting:
        try:
            return date.fromisoformat(setting)
        except ValueError as exc:
            raise ValueError(f"IKU_TODAY={setting!r} is not a date YYYY-MM-DD") from exc
    return datetime.now(WIT).date()
