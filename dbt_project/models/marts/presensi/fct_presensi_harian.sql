{#
    The attendance grid: one row per employee and working day on which the employee owed a
    daily status, with the status the e-presensi export gave it, its flags from
    ref_status_presensi and a flag for a cell owed a status that has none (is_missing); plus
    the status records of working days on which the employee owed none. NIP only. Source of
    the monthly recaps (mrt_rekap_presensi_bulanan, int_presensi__opd_bulan) and of
    mrt_tanpa_keterangan_ambang.

    Decisions:
    - Coverage: from the first month with any attendance record to the later of the newest
      SIASN export (int_periods) and the newest attendance day (int_presensi__bulan_sumber).
      Months before the e-presensi data starts are left out instead of counting every cell as
      missing.
    - A cell is expected (is_expected) on a working day (int_calendar_days) when the employee's
      version valid that day (int_pegawai_versions, valid_from inclusive, valid_to exclusive)
      is in active service (ref_kedudukan_hukum.is_active_service) and TMT CPNS has passed:
      the same population rule as int_pegawai_at_period_end, applied per day. The cell belongs
      to the OPD of that version, so an employee who moves mid-month counts in each OPD for
      the days spent there.
    - A status record on a working day for an employee not expected that day (not in active
      service, not in SIASN) is kept with is_expected false and the OPD of the version valid
      that day if any; records on days that are not working days are left out.
    - The export's key is (nip, tanggal); should a day come twice (two files holding the same
      month), the newest load batch wins. Within one file the key is unique (the raw table's
      unique index), so only the records of months delivered in more than one batch are
      looked up for a newer one.
    - A cell has a status (has_status) only with a code of ref_status_presensi; a record with
      another code is is_unknown_status, neither missing nor recorded.

    Set-based at millions of rows (3.8 million cells, about 0.8 GB, for the three demo years
    at scale 1), with no sort of the grid: each active version's days are a range of
    working-day numbers (int_calendar_days.working_days_to_date) expanded with generate_series;
    the cells and the records meet in one hash full join on (nip, working-day number); a record
    outside the cells finds its version by a hash join on nip. The planner misjudges the
    generate_series rows by orders of magnitude and would sort both sides of a merge join
    (external sorts of 0.5 GB): merge joins are off for this model, with work_mem for the hash.

    A table with a unique index on (tanggal, nip) and not-null key columns, which enforce the
    primary key (the primary_key_index rule of its table_checks test checks they are in place
    instead of scanning the rows). Built incrementally by month: only the months whose sources
    changed are built again (macros/incremental_months.sql). Built in marts_build and published
    with the other marts.
#}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_months',
    month_date_column='tanggal',
    indexes=[{'columns': ['tanggal', 'nip'], 'unique': true}],
    pre_hook=["set local work_mem = '256MB'", 'set local enable_mergejoin = off'],
    post_hook=[
        'alter table {{ this }} alter column nip set not null, alter column tanggal set not null',
        '{{ record_built_months() }}',
    ]
) }}
{%- set months = months_to_rebuild() if is_incremental() else none %}

with

calendar as (

    select * from {{ ref('int_calendar_days') }}

),

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

presensi as not materialized (

    select * from {{ ref('stg_presensi__harian') }}

),

status as (

    select * from {{ ref('ref_status_presensi') }}

),

coverage_months as (

    select * from {{ ref('int_presensi__bulan_sumber') }}

),

build_months as (

    -- the months to build: the whole coverage, or the months to rebuild
    select
        month_id,
        build_start,
        build_end,
        batch_count
    from coverage_months
    {%- if months is not none %}
        where month_id in ('{{ months | join("', '") }}')
    {%- endif %}

),

build_span as (

    select
        min(build_start) as span_start,
        max(build_end) as span_end
    from build_months

),

build_days as (

    -- the working days to build
    select
        calendar.tanggal,
        calendar.working_day_number,
        calendar.year_id,
        calendar.quarter_id,
        calendar.month_id,
        build_months.batch_count
    from calendar
    inner join build_months
        on calendar.month_id = build_months.month_id
    where
        calendar.is_working_day
        and calendar.tanggal between build_months.build_start and build_months.build_end

),

records as (

    -- the records of working days to build, with the day's number. (nip, tanggal) is unique
    -- within a file; in a month delivered in several batches the newest batch wins a day that
    -- comes twice (an index probe per record of such months only; one select, no union, so
    -- that the planner can hash the full join below)
    select
        presensi.nip,
        build_days.working_day_number,
        presensi.status_kode,
        presensi.jam_masuk,
        presensi.jam_pulang,
        presensi.load_batch_id
    from presensi
    inner join build_days
        on presensi.tanggal = build_days.tanggal
    where
        presensi.nip is not null
        and (
            build_days.batch_count = 1
            or not exists (
                select 1
                from presensi as newer
                where
                    newer.nip = presensi.nip
                    and newer.tanggal = presensi.tanggal
                    and (newer.load_batch_id, newer.source_file) > (presensi.load_batch_id, presensi.source_file)
            )
        )

),

version_numbers as materialized (

    -- the working days on which each version in active service owed a status, as a range of
    -- working-day numbers (about one row per employee version)
    select
        versions.nip,
        versions.pegawai_version_id,
        versions.opd_id,
        first_day.working_days_to_date - first_day.is_working_day::integer + 1 as first_number,
        last_day.working_days_to_date as last_number
    from versions
    cross join build_span
    inner join calendar as first_day
        on greatest(versions.valid_from, versions.tmt_cpns, build_span.span_start) = first_day.tanggal
    inner join calendar as last_day
        on least(coalesce(versions.valid_to - 1, build_span.span_end), build_span.span_end) = last_day.tanggal
    where
        versions.is_active_service
        and versions.tmt_cpns is not null

),

expected_cells as (

    -- every cell owed a status
    select
        version_numbers.nip,
        day_number as working_day_number,
        version_numbers.pegawai_version_id,
        version_numbers.opd_id
    from version_numbers
    cross join lateral generate_series(version_numbers.first_number, version_numbers.last_number) as day_number

),

cells as (

    -- one hash full join on (nip, working-day number), integers rather than dates
    select
        coalesce(expected_cells.nip, records.nip) as nip,
        coalesce(expected_cells.working_day_number, records.working_day_number) as working_day_number,
        expected_cells.pegawai_version_id,
        expected_cells.opd_id,
        expected_cells.nip is not null as is_expected,
        records.nip is not null as has_record,
        records.status_kode,
        records.jam_masuk,
        records.jam_pulang,
        records.load_batch_id
    from expected_cells
    full outer join records
        on
            expected_cells.nip = records.nip
            and expected_cells.working_day_number = records.working_day_number

),

dated as (

    -- the day of each cell; the cells of days outside the months to build drop out here
    select
        cells.*,
        build_days.tanggal,
        build_days.year_id,
        build_days.quarter_id,
        build_days.month_id
    from cells
    inner join build_days
        on cells.working_day_number = build_days.working_day_number

),

versioned as (

    -- a record outside the cells takes the version valid that day, if any: a hash join on nip
    -- for those few records only (the key is null for every expected cell, which then probes
    -- nothing; on nip alone, each of the 3.7 million cells met its employee's versions, 23
    -- million pairs filtered away at scale 1)
    select
        dated.nip,
        dated.tanggal,
        dated.year_id,
        dated.quarter_id,
        dated.month_id,
        dated.working_day_number,
        coalesce(dated.opd_id, record_version.opd_id) as opd_id,
        coalesce(dated.pegawai_version_id, record_version.pegawai_version_id) as pegawai_version_id,
        dated.is_expected,
        dated.has_record,
        dated.status_kode,
        dated.jam_masuk,
        dated.jam_pulang,
        dated.load_batch_id
    from dated
    left join versions as record_version
        on {{ version_valid_on(
            'record_version', 'case when not dated.is_expected then dated.nip end', 'dated.tanggal'
        ) }}

),

final as (

    select
        {{ surrogate_key(['versioned.nip', 'versioned.tanggal']) }} as presensi_harian_id,
        versioned.nip,
        versioned.tanggal,
        versioned.year_id,
        versioned.quarter_id,
        versioned.month_id,
        versioned.working_day_number,
        versioned.opd_id,
        versioned.pegawai_version_id,
        versioned.is_expected,
        versioned.status_kode,
        status.status_kode is not null as has_status,
        versioned.has_record and status.status_kode is null as is_unknown_status,
        versioned.is_expected and not versioned.has_record as is_missing,
        coalesce(status.is_hadir, false) as is_hadir,
        coalesce(status.is_tanpa_keterangan, false) as is_tanpa_keterangan,
        versioned.jam_masuk,
        versioned.jam_pulang,
        versioned.load_batch_id
    from versioned
    left join status
        on versioned.status_kode = status.status_kode

)

select * from final
