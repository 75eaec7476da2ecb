"""Failure alerts of the nightly refresh: recorded in `dq.run_alerts`, e-mailed, posted to a webhook.

The sensor `alert_on_failed_refresh` (orchestration.definitions) calls `alert_run_failure` once
a run of `nightly_refresh` has failed; `iku refresh` calls it too when its run fails, so a
refresh started by cron without the Dagster daemon alerts as well (the sensor then finds the
run alerted already). Configuration is the environment's (docs/operations.md):

- e-mail: IKU_SMTP_HOST, IKU_SMTP_PORT (25), IKU_SMTP_USER / IKU_SMTP_PASSWORD (optional),
  IKU_SMTP_STARTTLS (1 to use STARTTLS), IKU_ALERT_FROM, IKU_ALERT_TO (comma separated);
- webhook: IKU_ALERT_WEBHOOK_URL (a JSON POST).

Invariants:
- one alert per run: the run is claimed in dq.run_alerts (run_id unique) before anything is
  sent, so a sensor that evaluates the same failure again sends nothing more;
- what leaves the process (the e-mail, the webhook's JSON, the row, a log line) holds one line
  of the error, through `redact` (no password, no webhook URL, no traceback) with anything that
  looks like a NIK masked; never a name or any other personal value;
- a channel that fails (server down, refused, timeout) is recorded as `failed` with its one-line
  reason; it never raises. When the warehouse itself cannot be reached the channels are still
  tried (people must hear of that above all), and the failure to record is logged.
"""

from __future__ import annotations

import base64
import email.policy
import json
import os
import re
import smtplib
import ssl
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from dagster import DagsterEvent, DagsterEventType, DagsterInstance, DagsterRun

from sources.redact import MASK, mask_url, redact

TIMEZONE = ZoneInfo("Asia/Jayapura")  # WIT, as the agency reads its clock
TIMEOUT_SECONDS = 10
MAX_MESSAGE = 300
SENT, FAILED, NOT_CONFIGURED, PENDING = "sent", "failed", "not configured", "pending"
RECENT = 5  # `iku dq` shows this many alerts
SMTP_POLICY = email.policy.SMTP.clone(max_line_length=200)  # the subject with its run id on one line

ALERTS_DDL = f"""
create schema if not exists dq;
create table if not exists dq.run_alerts (
    alert_id        bigserial primary key,
    run_id          text not null unique,       -- one alert per run
    job_name        text not null,
    failed_at       timestamptz not null,
    failed_steps    text[] not null default '{{}}',
    message         text not null,              -- one line, redacted: no secret, no traceback
    email           text not null default '{PENDING}'
        check (email in ('{PENDING}', '{SENT}', '{FAILED}', '{NOT_CONFIGURED}')),
    email_detail    text,                       -- why the e-mail failed (one line, redacted)
    webhook         text not null default '{PENDING}'
        check (webhook in ('{PENDING}', '{SENT}', '{FAILED}', '{NOT_CONFIGURED}')),
    webhook_detail  text,
    recorded_at     timestamptz not null default now()
);
create index if not exists run_alerts_failed_at_idx on dq.run_alerts (failed_at desc);
"""


@dataclass(frozen=True)
class RunFailure:
    """What an alert says about a failed run."""

    run_id: str
    job_name: str
    failed_at: datetime
    steps: tuple[str, ...]
    message: str  # one line, redacted


@dataclass(frozen=True)
class ChannelOutcome:
    status: str  # sent / failed / not configured
    detail: str | None = None  # why it failed


@dataclass(frozen=True)
class AlertOutcome:
    recorded: bool  # the row is in dq.run_alerts
    duplicate: bool  # the run had been alerted already: nothing sent
    email: ChannelOutcome | None
    webhook: ChannelOutcome | None


# --------------------------------------------------------------------------- messages

_NIK = re.compile(r"(?<![0-9])[0-9]{16}(?![0-9])")


def one_line(text: str | None, secrets: tuple[str, ...] = ()) -> str:
    """The first non-blank line of `text`, redacted (passwords, the given secrets), NIK-like
    numbers masked, at most MAX_MESSAGE characters."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    line = redact(lines[0] if lines else "no error message", secrets)
    line = _NIK.sub(MASK, line)
    return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 1] + "…"


def _secrets(env: Mapping[str, str]) -> tuple[str, ...]:
    """Values of the alert configuration that must never be printed: the SMTP password and the
    webhook URL (its path and query often are the credential)."""
    found = [env.get("IKU_SMTP_PASSWORD", "")]
    url = env.get("IKU_ALERT_WEBHOOK_URL", "")
    if url:
        parts = urlsplit(url)
        found += [url, parts.path, parts.query, parts.password or ""]
    return tuple(s for s in found if s and s != "/")


def webhook_label(url: str) -> str:
    """The webhook as it may be shown: scheme and host only, password masked."""
    parts = urlsplit(mask_url(url))
    return f"{parts.scheme}://{parts.netloc}/…" if parts.scheme and parts.netloc else MASK


def subject(failure: RunFailure) -> str:
    return f"[Gudang IKU] Pembaruan malam gagal: run {failure.run_id}"


def body(failure: RunFailure) -> str:
    when = failure.failed_at.astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M WIT")
    steps = ", ".join(failure.steps) or "-"
    return (
        f"Pembaruan malam Gudang IKU (job {failure.job_name}) gagal.\n\n"
        f"Waktu         : {when}\n"
        f"Run           : {failure.run_id}\n"
        f"Langkah gagal : {steps}\n"
        f"Penyebab      : {failure.message}\n\n"
        "Akibatnya: mart yang dipublikasikan tidak berubah; laporan dan dasbor tetap memakai nilai "
        "terakhir yang baik sampai pembaruan berikutnya berhasil.\n\n"
        "Periksa: `iku dq` (peringatan run dan kegagalan mutu per unit) dan log run ini di Dagster UI "
        "(`iku ui`).\n\n"
        "Pesan otomatis dari Gudang IKU; mohon tidak dibalas.\n"
    )


def payload(failure: RunFailure) -> dict[str, Any]:
    return {
        "run_id": failure.run_id,
        "job": failure.job_name,
        "failed_at": failure.failed_at.isoformat(),
        "steps": list(failure.steps),
        "message": failure.message,
    }


def failure_of_run(instance: DagsterInstance, run: DagsterRun, run_message: str | None = None) -> RunFailure:
    """The failed run as an alert tells it: its failed steps, and the first one's error (else
    the run's own failure message) in one redacted line."""
    records = instance.get_records_for_run(run_id=run.run_id, of_type=DagsterEventType.STEP_FAILURE).records
    events = [r.event_log_entry.dagster_event for r in records if r.event_log_entry.dagster_event]
    steps = tuple(dict.fromkeys(e.step_key for e in events if e.step_key))
    message = _step_error(events[0]) if events else None
    record = instance.get_run_record_by_id(run.run_id)
    ended = record.end_time if record is not None and record.end_time else None
    failed_at = datetime.fromtimestamp(ended, tz=UTC) if ended else datetime.now(UTC)
    return RunFailure(
        run_id=run.run_id,
        job_name=run.job_name,
        failed_at=failed_at,
        steps=steps,
        message=one_line(message or run_message, _secrets(os.environ)),
    )


def _step_error(event: DagsterEvent) -> str | None:
    """A step's error: a Failure's own description, else the exception's first line."""
    data = event.step_failure_data
    if data is None:
        return None
    if data.user_failure_data is not None and data.user_failure_data.description:
        return data.user_failure_data.description
    error = data.error
    while error is not None and error.cause is not None and error.cls_name and "Dagster" in error.cls_name:
        error = error.cause  # a framework wrapper: the user's exception says what went wrong
    return error.message if error is not None else None


# --------------------------------------------------------------------------- channels


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def send_email(failure: RunFailure, env: Mapping[str, str]) -> ChannelOutcome:
    """E-mail the alert when IKU_SMTP_HOST is set; never raises."""
    host = env.get("IKU_SMTP_HOST", "").strip()
    if not host:
        return ChannelOutcome(NOT_CONFIGURED)
    sender = env.get("IKU_ALERT_FROM", "").strip()
    recipients = [a.strip() for a in env.get("IKU_ALERT_TO", "").split(",") if a.strip()]
    if not sender or not recipients:
        return ChannelOutcome(FAILED, "IKU_SMTP_HOST is set but IKU_ALERT_FROM or IKU_ALERT_TO is not")
    message = EmailMessage(policy=SMTP_POLICY)
    message["Subject"] = subject(failure)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message.set_content(body(failure))
    try:
        port = int(env.get("IKU_SMTP_PORT") or 25)
        with smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS) as smtp:
            if _truthy(env.get("IKU_SMTP_STARTTLS")):
                smtp.starttls(context=ssl.create_default_context())
            user = env.get("IKU_SMTP_USER", "")
            if user:
                smtp.login(user, env.get("IKU_SMTP_PASSWORD", ""))
            smtp.send_message(message, sender, recipients)
    except Exception as exc:  # a channel never crashes the sensor
        return ChannelOutcome(FAILED, one_line(f"{type(exc).__name__}: {exc}", _secrets(env)))
    return ChannelOutcome(SENT)


def post_webhook(failure: RunFailure, env: Mapping[str, str]) -> ChannelOutcome:
    """POST the alert's JSON to IKU_ALERT_WEBHOOK_URL when set; never raises."""
    url = env.get("IKU_ALERT_WEBHOOK_URL", "").strip()
    if not url:
        return ChannelOutcome(NOT_CONFIGURED)
    if urlsplit(url).scheme not in {"http", "https"}:
        return ChannelOutcome(FAILED, "IKU_ALERT_WEBHOOK_URL is not an http(s) URL")
    parts = urlsplit(url)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "gudang-iku-alert"}
    if parts.username is not None:  # user:password@ in the URL: HTTP basic authentication
        token = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(token).decode("ascii")
        url = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    request = urllib.request.Request(
        url, data=json.dumps(payload(failure)).encode("utf-8"), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()
    except Exception as exc:  # a channel never crashes the sensor
        return ChannelOutcome(FAILED, one_line(f"{type(exc).__name__}: {exc}", _secrets(env)))
    return ChannelOutcome(SENT)


# --------------------------------------------------------------------------- the table


def ensure_alerts_table(conn: sa.Connection) -> None:
    if conn.execute(sa.text("select to_regclass('dq.run_alerts') is not null")).scalar():
        return
    conn.execute(sa.text("select pg_advisory_xact_lock(hashtext('gudang_iku_dq_ddl'))"))
    conn.exec_driver_sql(ALERTS_DDL)


def _claim(engine: sa.Engine, failure: RunFailure) -> bool:
    """Insert the run's row; False when it was there already (alerted before)."""
    with engine.begin() as conn:
        ensure_alerts_table(conn)
        claimed = conn.execute(
            sa.text(
                "insert into dq.run_alerts (run_id, job_name, failed_at, failed_steps, message) "
                "values (:r, :j, :t, :s, :m) on conflict (run_id) do nothing returning alert_id"
            ),
            {
                "r": failure.run_id,
                "j": failure.job_name,
                "t": failure.failed_at,
                "s": list(failure.steps),
                "m": failure.message,
            },
        ).first()
    return claimed is not None


def _record(engine: sa.Engine, run_id: str, email: ChannelOutcome, webhook: ChannelOutcome) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "update dq.run_alerts set email = :e, email_detail = :ed, webhook = :w, "
                "webhook_detail = :wd where run_id = :r"
            ),
            {"e": email.status, "ed": email.detail, "w": webhook.status, "wd": webhook.detail, "r": run_id},
        )


def alert_run_failure(
    engine: sa.Engine | Callable[[], sa.Engine],
    failure: RunFailure,
    env: Mapping[str, str] | None = None,
    log: Callable[[str], None] = print,
) -> AlertOutcome:
    """Record the failure, then e-mail and post it, once per run. Never raises: a channel that
    fails is recorded as failed; a warehouse that cannot be reached (`engine` may be a function
    that starts it) is logged, and the channels are tried all the same."""
    env = os.environ if env is None else env
    recordable = True
    try:
        engine = engine if isinstance(engine, sa.Engine) else engine()
        claimed = _claim(engine, failure)
    except Exception as exc:  # the warehouse down is a reason to alert, not to stop
        reason = one_line(str(exc))
        log(f"run alert of {failure.run_id}: not recorded in dq.run_alerts ({reason}); sending anyway")
        claimed, recordable = True, False
    if not claimed:
        log(f"run alert of {failure.run_id}: already sent (dq.run_alerts), nothing sent again")
        return AlertOutcome(recorded=True, duplicate=True, email=None, webhook=None)
    email, webhook = send_email(failure, env), post_webhook(failure, env)
    url = env.get("IKU_ALERT_WEBHOOK_URL", "")
    log(
        f"run alert of {failure.run_id}: e-mail {email.status}"
        + (f" ({email.detail})" if email.detail else "")
        + f"; webhook{' ' + webhook_label(url) if url else ''} {webhook.status}"
        + (f" ({webhook.detail})" if webhook.detail else "")
    )
    recorded = False
    if recordable:
        try:
            _record(engine, failure.run_id, email, webhook)
            recorded = True
        except Exception as exc:
            log(f"run alert of {failure.run_id}: channel outcomes not recorded ({one_line(str(exc))})")
    return AlertOutcome(recorded=recorded, duplicate=False, email=email, webhook=webhook)


def recent_alerts(engine: sa.Engine, limit: int = RECENT) -> list[dict[str, Any]]:
    """The newest alerts first; none when no alert was ever recorded."""
    with engine.connect() as conn:
        if not conn.execute(sa.text("select to_regclass('dq.run_alerts') is not null")).scalar():
            return []
        rows = conn.execute(
            sa.text(
                "select run_id, job_name, failed_at, failed_steps, message, email, email_detail, "
                "webhook, webhook_detail from dq.run_alerts order by failed_at desc, alert_id desc limit :n"
            ),
            {"n": limit},
        ).mappings()
        return [dict(r) for r in rows]
