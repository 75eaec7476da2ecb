{#
    The attendance grid: one row per employee and working day, the cell that should carry a
    daily status, with the status the e-presensi export gave it. Source of fct_presensi_harian
    and of the OPD x month recaps (int_presensi__opd_bulan); a view, materialised once as the
    fct table and once aggregated.

    Decisions:
    - Coverage: from the first month with any attendance record to the later of the newest
      SIASN snapshot (int_periods) and the newest attendance day. Months before the e-presensi
      data starts are left out instead of counting every cell as missing.
    - A cell is expected (is_expected) on a working day (int_calendar_days) when the employee's
      version valid that day (int_pegawai_versions, valid_from inclusive, valid_to exclusive)
      is in active service (ref_kedudukan_hukum.is_active_service) and TMT CPNS has passed:
      the same population rule as int_pegawai_at_period_end, applied per day. The cell belongs
      to the OPD of that version, so an employee who moves mid-month counts in each OPD for
      the days spent there.
    - A status record on a working day for an employee not expected that day (not in active
      service, not in SIASN) is kept with is_expected false and the OPD of the version valid
      that day if any; records on days that are not working days are left out.
    - The export's key is (nip, tanggal); should a day come twice, the newest load batch wins.
    - A cell has a status (has_status) only with a code of ref_status_presensi; a record with
      another code is is_unknown_status, neither missing nor recorded.
    - Set-based and planner-proof at millions of rows: each version's days are a range of
      working-day numbers (int_calendar_days.working_days_to_date), expanded with
      generate_series and joined to the records on (nip, working-day number); the per-version
      ranges are a materialized CTE so that the calendar is not re-joined per cell.
    - Raw machine punches (stg_presensi__mesin) are not used: the daily status export is the
      source of record.
#}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_months',
    month_date_column='tanggal',
    indexes=[{'columns': ['tanggal']}],
    post_hook=['{{ record_built_months() }}']
) }}
-- depends_on: {{ ref('int_presensi__bulan_sumber') }}
{%- set months = months_to_rebuild() if is_incremental() else none %}

with

calendar as (

    select * from {{ ref('int_calendar_days') }}

),

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

presensi as (

    select * from {{ ref('stg_presensi__harian') }}

),

presensi_days as (

    -- a separate scan for the coverage bounds, so that the records are not materialised twice
    select tanggal from {{ ref('stg_presensi__harian') }}

),

status as (

    select * from {{ ref('ref_status_presensi') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

coverage as (

    select
        date_trunc('month', min(presensi_days.tanggal))::date as first_day,
        greatest((select max(periods.reference_date) from periods), max(presensi_days.tanggal)) as last_day
    from presensi_days

),

build_ranges as (

    -- the days to build: the whole coverage, or the months to rebuild (macros/incremental_months.sql)
    {%- if months is none %}
        select
            coverage.first_day as build_start,
            coverage.last_day as build_end
        from coverage
        where coverage.first_day is not null
    {%- else %}
        select
            greatest(to_date(rebuilt.month_id, 'YYYY-MM'), coverage.first_day) as build_start,
            least(
                (to_date(rebuilt.month_id, 'YYYY-MM') + interval '1 month - 1 day')::date, coverage.last_day
            ) as build_end
        from coverage
        cross join
            unnest(array[{{ "'" ~ (months | join("', '")) ~ "'" if months else '' }}]::text[]) as rebuilt (month_id)
    {%- endif %}

),

version_ranges as (

    -- each version's days within each range to build
    select
        versions.nip,
        versions.pegawai_version_id,
        versions.opd_id,
        versions.is_active_service,
        versions.tmt_cpns,
        greatest(versions.valid_from, build_ranges.build_start) as range_start,
        least(coalesce(versions.valid_to - 1, build_ranges.build_end), build_ranges.build_end) as range_end
    from versions
    cross join build_ranges

),

version_numbers as materialized (

    -- the working days of each version's range, as a range of working-day numbers; materialized
    -- (about one row per employee version) to keep the planner from re-joining the calendar
    -- per grid row
    select
        version_ranges.*,
        start_day.working_days_to_date - start_day.is_working_day::integer + 1 as first_number,
        end_day.working_days_to_date as last_number
    from version_ranges
    inner join calendar as start_day
        on version_ranges.range_start = start_day.tanggal
    inner join calendar as end_day
        on version_ranges.range_end = end_day.tanggal
    where version_ranges.range_start <= version_ranges.range_end

),

service_days as (

    select
        version_numbers.nip,
        day_number as working_day_number,
        version_numbers.pegawai_version_id,
        version_numbers.opd_id,
        version_numbers.is_active_service,
        version_numbers.tmt_cpns
    from version_numbers
    cross join lateral generate_series(version_numbers.first_number, version_numbers.last_number) as day_number

),

records as (

    select distinct on (presensi.nip, presensi.tanggal)
        presensi.nip,
        presensi.tanggal,
        presensi.status_kode,
        presensi.jam_masuk,
        presensi.jam_pulang,
        presensi.load_batch_id,
        calendar.working_day_number
    from presensi
    inner join calendar
        on presensi.tanggal = calendar.tanggal
    where
        calendar.is_working_day
        and presensi.nip is not null
        {%- if months is not none %}
            and {{ in_months('presensi.tanggal', months) }}
        {%- endif %}
    order by presensi.nip asc, presensi.tanggal asc, presensi.load_batch_id desc, presensi.source_file desc

),

cells as (

    -- joined on the working-day number, an integer, rather than on the date
    select
        coalesce(service_days.nip, records.nip) as nip,
        coalesce(service_days.working_day_number, records.working_day_number) as working_day_number,
        service_days.pegawai_version_id,
        service_days.opd_id,
        service_days.is_active_service,
        service_days.tmt_cpns,
        records.nip is not null as has_record,
        records.status_kode,
        records.jam_masuk,
        records.jam_pulang,
        records.load_batch_id
    from service_days
    full outer join records
        on
            service_days.nip = records.nip
            and service_days.working_day_number = records.working_day_number

),

expected as (

    select
        cells.*,
        calendar.tanggal,
        calendar.year_id,
        calendar.quarter_id,
        calendar.month_id,
        coalesce(cells.is_active_service and cells.tmt_cpns <= calendar.tanggal, false) as is_expected
    from cells
    inner join calendar
        on cells.working_day_number = calendar.working_day_number

),

final as (

    select
        {{ surrogate_key(['expected.nip', 'expected.tanggal']) }} as presensi_harian_id,
        expected.nip,
        expected.tanggal,
        expected.year_id,
        expected.quarter_id,
        expected.month_id,
        expected.working_day_number,
        expected.opd_id,
        expected.pegawai_version_id,
        expected.is_expected,
        expected.status_kode,
        status.status_kode is not null as has_status,
        expected.has_record and status.status_kode is null as is_unknown_status,
        expected.is_expected and not expected.has_record as is_missing,
        coalesce(status.is_hadir, false) as is_hadir,
        coalesce(status.is_tanpa_keterangan, false) as is_tanpa_keterangan,
        expected.jam_masuk,
        expected.jam_pulang,
        expected.load_batch_id
    from expected
    left join status
        on expected.status_kode = status.status_kode
    where
        expected.is_expected
        or expected.has_record

)

select * from final
