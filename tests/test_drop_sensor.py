"""The drop-folder sensor `refresh_on_delivery`, evaluated for real (a persistent Dagster instance,
real files in a temporary drop folder, the cursor carried from tick to tick as the daemon does):
a new file starts one run, a touched file none, changed content one, an attendance file its
month, a file being copied nothing until it has settled, a missing folder a skip reason."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import (
    DagsterInstance,
    DefaultSensorStatus,
    Definitions,
    build_sensor_context,
    job,
    op,
)

from orchestration.drop_sensor import (
    FILES_TAG,
    SENSOR_NAME,
    TRIGGER,
    TRIGGER_TAG,
    Delivered,
    Seen,
    build_drop_folder_sensor,
    load_cursor,
    route,
    scan,
)
from orchestration.partitions import ATTENDANCE_MONTHS, MONTHLY_JOB
from orchestration.resources import SourceDropResource

NIGHTLY = "nightly_refresh"
SETTLED = time.time() - 3600  # an hour old: settled whatever IKU_DROP_SETTLE_SECONDS says here
MONTHS = {"2025-03", "2025-04"}


@op
def _load_month() -> None:
    pass


@job(name=MONTHLY_JOB, partitions_def=ATTENDANCE_MONTHS)
def stand_in_monthly_job() -> None:
    """Stands in for the lead's partitioned `presensi_month_refresh` (not on this branch)."""
    _load_month()


@job(name=NIGHTLY)
def stand_in_nightly_job() -> None:
    """Beside the stand-in monthly job: Dagster resolves a partitioned run request in the
    sensor's Definitions, which then need not hold every asset of the real nightly job."""
    _load_month()


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[DagsterInstance]:
    (tmp_path / "dagster").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "dagster")) as inst:
        yield inst


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


def _deliver(folder: Path, name: str, content: str, mtime: float = SETTLED) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    os.utime(path, (mtime, mtime))
    return path


class Ticks:
    """The sensor evaluated tick after tick, its cursor carried over as the daemon carries it."""

    def __init__(self, sensor, instance: DagsterInstance, folder: Path, definitions=None) -> None:
        self.sensor, self.instance, self.folder = sensor, instance, folder
        self.definitions = definitions
        self.cursor: str | None = None

    def tick(self):
        with build_sensor_context(
            instance=self.instance,
            cursor=self.cursor,
            sensor_name=SENSOR_NAME,
            resources={"source_drop": SourceDropResource(path=str(self.folder))},
            definitions=self.definitions,
        ) as context:
            data = self.sensor.evaluate_tick(context)
        if data.cursor is not None:
            self.cursor = data.cursor
        return data


@pytest.fixture
def nightly_only(instance, drop, monkeypatch) -> Ticks:
    monkeypatch.setenv("IKU_DROP_SETTLE_SECONDS", "30")
    from orchestration.definitions import nightly_refresh

    return Ticks(build_drop_folder_sensor(nightly_refresh), instance, drop)


@pytest.fixture
def with_monthly(instance, drop, monkeypatch) -> Ticks:
    monkeypatch.setenv("IKU_DROP_SETTLE_SECONDS", "30")
    sensor = build_drop_folder_sensor(stand_in_nightly_job, stand_in_monthly_job)
    definitions = Definitions(jobs=[stand_in_nightly_job, stand_in_monthly_job], sensors=[sensor])
    return Ticks(sensor, instance, drop, definitions)


# --------------------------------------------------------------------------- the sensor


def test_first_tick_records_the_baseline_and_starts_nothing(nightly_only: Ticks, drop: Path) -> None:
    _deliver(drop, "siasn_pns_2025-12-31.csv", "NIP|NAMA\n")
    _deliver(drop, "presensi_harian_2025-03.csv", "a\n")
    _deliver(drop, "catatan.txt", "no contract claims this")
    _deliver(drop, "simpeg.sqlite", "the demo SIMPEG database does not count")

    first = nightly_only.tick()
    assert first.run_requests == []
    assert "baseline" in first.skip_message and "2 file(s)" in first.skip_message
    assert set(json.loads(nightly_only.cursor)) == {"siasn_pns_2025-12-31.csv", "presensi_harian_2025-03.csv"}

    again = nightly_only.tick()
    assert again.run_requests == [] and "no new or changed file" in again.skip_message


def test_new_file_starts_one_nightly_run_touched_none_changed_one(nightly_only: Ticks, drop: Path) -> None:
    _deliver(drop, "siasn_pns_2025-11-30.csv", "NIP|NAMA\n1|A\n")
    nightly_only.tick()  # baseline

    new = _deliver(drop, "siasn_pns_2025-12-31.csv", "NIP|NAMA\n1|A\n2|B\n")
    [request] = nightly_only.tick().run_requests
    assert request.job_name == NIGHTLY and request.partition_key is None
    assert request.tags[TRIGGER_TAG] == TRIGGER
    assert request.tags[FILES_TAG] == "siasn_pns_2025-12-31.csv"
    assert nightly_only.tick().run_requests == []  # the cursor has it

    # touched, then copied again with the same bytes: a new mtime, the same checksum
    os.utime(new, (SETTLED + 60, SETTLED + 60))
    assert nightly_only.tick().run_requests == []
    new.write_text("NIP|NAMA\n1|A\n2|B\n")
    os.utime(new, (SETTLED + 120, SETTLED + 120))
    assert nightly_only.tick().run_requests == []

    # changed content: one run, with another run key
    _deliver(drop, "siasn_pns_2025-12-31.csv", "NIP|NAMA\n1|A\n2|C\n", SETTLED + 180)
    [changed] = nightly_only.tick().run_requests
    assert changed.job_name == NIGHTLY and changed.run_key != request.run_key
    assert nightly_only.tick().run_requests == []

    # back to the first content: the same (file, sha256) as before, so the same run key, which
    # the daemon never starts twice
    _deliver(drop, "siasn_pns_2025-12-31.csv", "NIP|NAMA\n1|A\n2|B\n", SETTLED + 240)
    [back] = nightly_only.tick().run_requests
    assert back.run_key == request.run_key


def test_several_files_in_one_tick_start_one_nightly_run(nightly_only: Ticks, drop: Path) -> None:
    nightly_only.tick()  # baseline of an empty folder
    _deliver(drop, "riwayat_diklat_2025-12-31.csv", "x\n")
    _deliver(drop, "sub/target_iku_2026.xlsx", "y")
    _deliver(drop, "presensi_harian_2025-03.csv", "z\n")
    [request] = nightly_only.tick().run_requests
    assert request.job_name == NIGHTLY
    assert request.tags[FILES_TAG] == (
        "presensi_harian_2025-03.csv,riwayat_diklat_2025-12-31.csv,sub/target_iku_2026.xlsx"
    )


def test_attendance_files_start_the_monthly_job_per_month(with_monthly: Ticks, drop: Path) -> None:
    with_monthly.tick()  # baseline
    _deliver(drop, "presensi_harian_2025-03.csv", "a\n")
    _deliver(drop, "presensi_mesin_FP01_2025-03.csv", "b\n")
    _deliver(drop, "presensi_mesin_FP01_2025-04.csv", "c\n")
    requests = with_monthly.tick().run_requests
    assert [(r.job_name, r.partition_key) for r in requests] == [
        (MONTHLY_JOB, "2025-03"),
        (MONTHLY_JOB, "2025-04"),
    ]
    assert requests[0].tags[FILES_TAG] == "presensi_harian_2025-03.csv,presensi_mesin_FP01_2025-03.csv"

    # an attendance file and another source together: the nightly job, once, loads both
    _deliver(drop, "presensi_harian_2025-04.csv", "d\n")
    _deliver(drop, "kalender_libur_2025.csv", "e\n")
    [request] = with_monthly.tick().run_requests
    assert (request.job_name, request.partition_key) == (NIGHTLY, None)


def test_a_file_being_copied_starts_nothing_until_it_has_settled(
    nightly_only: Ticks, drop: Path, monkeypatch
) -> None:
    nightly_only.tick()  # baseline
    copying = _deliver(drop, "riwayat_skp_2025-12-31.csv", "half of it", mtime=time.time())
    waiting = nightly_only.tick()
    assert waiting.run_requests == [] and "1 file(s) still being delivered" in waiting.skip_message
    assert "riwayat_skp_2025-12-31.csv" not in json.loads(nightly_only.cursor)

    copying.write_text("all of it\n")
    os.utime(copying, (SETTLED, SETTLED))  # left alone long enough
    [request] = nightly_only.tick().run_requests
    assert request.tags[FILES_TAG] == "riwayat_skp_2025-12-31.csv"

    # with no settling time it would have counted at once
    monkeypatch.setenv("IKU_DROP_SETTLE_SECONDS", "0")
    _deliver(drop, "riwayat_skp_2025-12-31.csv", "again\n", mtime=time.time() - 1)
    assert len(nightly_only.tick().run_requests) == 1


def test_a_missing_or_unreadable_folder_skips_naming_it_and_keeps_the_cursor(
    nightly_only: Ticks, drop: Path
) -> None:
    _deliver(drop, "siasn_pns_2025-12-31.csv", "x\n")
    nightly_only.tick()
    cursor = nightly_only.cursor
    moved = drop.rename(drop.with_name("elsewhere"))

    skipped = nightly_only.tick()
    assert skipped.run_requests == [] and skipped.cursor in (None, cursor)
    assert f"the drop folder {drop} (IKU_SOURCES_DIR) does not exist" in skipped.skip_message

    moved.rename(drop)  # back, unchanged: nothing was lost, nothing starts
    assert nightly_only.tick().run_requests == []
    assert nightly_only.cursor == cursor


def test_an_unreadable_cursor_records_a_new_baseline(nightly_only: Ticks, drop: Path) -> None:
    _deliver(drop, "siasn_pns_2025-12-31.csv", "x\n")
    nightly_only.cursor = "not json"
    data = nightly_only.tick()
    assert data.run_requests == [] and "baseline" in data.skip_message
    assert load_cursor(nightly_only.cursor) is not None


def test_status_and_interval_come_from_the_environment(monkeypatch) -> None:
    from orchestration.definitions import nightly_refresh

    sensor = build_drop_folder_sensor(nightly_refresh)
    assert sensor.name == SENSOR_NAME
    assert sensor.default_status == DefaultSensorStatus.RUNNING
    assert sensor.minimum_interval_seconds == 60
    monkeypatch.setenv("IKU_DROP_SENSOR", "off")
    monkeypatch.setenv("IKU_DROP_SENSOR_SECONDS", "5")
    sensor = build_drop_folder_sensor(nightly_refresh)
    assert sensor.default_status == DefaultSensorStatus.STOPPED
    assert sensor.minimum_interval_seconds == 5
    monkeypatch.setenv("IKU_DROP_SENSOR_SECONDS", "1m")
    with pytest.raises(ValueError, match="IKU_DROP_SENSOR_SECONDS='1m'"):
        build_drop_folder_sensor(nightly_refresh)


def test_the_code_location_has_the_sensor_on_the_nightly_and_the_monthly_job() -> None:
    from orchestration.definitions import defs

    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    assert [j.name for j in sensor.jobs] == [NIGHTLY, MONTHLY_JOB]


def test_the_code_locations_sensor_starts_the_real_monthly_job(instance, drop, monkeypatch) -> None:
    """The real sensor in the real code location: an attendance file of a month starts the
    partitioned job presensi_month_refresh for that month, which Dagster resolves."""
    from orchestration.definitions import defs

    monkeypatch.setenv("IKU_DROP_SETTLE_SECONDS", "30")
    ticks = Ticks(defs.resolve_sensor_def(SENSOR_NAME), instance, drop, defs)
    ticks.tick()  # baseline
    _deliver(drop, "presensi_harian_2025-03.csv", "a\n")
    [request] = ticks.tick().run_requests
    assert (request.job_name, request.partition_key) == (MONTHLY_JOB, "2025-03")


# --------------------------------------------------------------------------- the pure parts


def _d(name: str, source: str, sha: str = "0" * 64) -> Delivered:
    return Delivered(name, source, sha)


def test_route() -> None:
    harian = _d("presensi_harian_2025-03.csv", "presensi_harian")
    mesin = _d("presensi_mesin_FP02_2025-04.csv", "presensi_mesin")
    siasn = _d("siasn_pns_2025-12-31.csv", "siasn_pns")
    assert route([], NIGHTLY, MONTHLY_JOB, MONTHS) == []
    assert [(r.job_name, r.partition_key) for r in route([harian, mesin], NIGHTLY, MONTHLY_JOB, MONTHS)] == [
        (MONTHLY_JOB, "2025-03"),
        (MONTHLY_JOB, "2025-04"),
    ]
    [both] = route([harian, siasn], NIGHTLY, MONTHLY_JOB, MONTHS)
    assert (both.job_name, both.partition_key, len(both.files)) == (NIGHTLY, None, 2)
    # no monthly job, or a month outside the partitions, or no month in the name: the nightly job
    assert [r.job_name for r in route([harian], NIGHTLY, None, MONTHS)] == [NIGHTLY]
    assert [
        r.job_name
        for r in route([_d("presensi_harian_2031-01.csv", "presensi_harian")], NIGHTLY, MONTHLY_JOB, MONTHS)
    ] == [NIGHTLY]
    assert [
        r.job_name
        for r in route([_d("presensi_harian_maret.csv", "presensi_harian")], NIGHTLY, MONTHLY_JOB, MONTHS)
    ] == [NIGHTLY]
    # the run key is the files and their checksums, in any order
    other = _d("presensi_harian_2025-03.csv", "presensi_harian", "1" * 64)
    assert (
        route([harian], NIGHTLY, MONTHLY_JOB, MONTHS)[0].run_key()
        != route([other], NIGHTLY, MONTHLY_JOB, MONTHS)[0].run_key()
    )
    assert (
        route([harian, siasn], NIGHTLY, None, ())[0].run_key()
        == route([siasn, harian], NIGHTLY, None, ())[0].run_key()
    )


def test_a_checksum_is_computed_only_for_a_file_whose_size_or_mtime_changed(drop: Path) -> None:
    a = _deliver(drop, "riwayat_jabatan_2025-12-31.csv", "a\n")
    _deliver(drop, "riwayat_golongan_2025-12-31.csv", "b\n")
    first = scan(drop, {}, 30, time.time())
    assert first.hashed == 2 and len(first.delivered) == 2
    same = scan(drop, first.cursor, 30, time.time())
    assert same.hashed == 0 and same.delivered == [] and same.cursor == first.cursor
    os.utime(a, (SETTLED + 5, SETTLED + 5))
    touched = scan(drop, same.cursor, 30, time.time())
    assert touched.hashed == 1 and touched.delivered == []
    assert touched.cursor["riwayat_jabatan_2025-12-31.csv"] == Seen(
        2, a.stat().st_mtime_ns, first.cursor["riwayat_jabatan_2025-12-31.csv"].sha256
    )
    a.unlink()  # a file taken away starts nothing and leaves the cursor
    gone = scan(drop, touched.cursor, 30, time.time())
    assert gone.delivered == [] and set(gone.cursor) == {"riwayat_golongan_2025-12-31.csv"}
