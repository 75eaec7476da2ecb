{#
    One row per month of the attendance coverage, with the fingerprint of everything the
    month's attendance rows are computed from: the raw load batches holding records of the
    month (and their row counts), the month's calendar days (working day, working-day number,
    period ids), the employee versions valid in the month (clipped to it), the status codes
    (ref_status_presensi) and the coverage bounds within the month. The attendance models
    built by month (macros/incremental_months.sql) rebuild a month when its fingerprint
    changes: a monthly file reloaded, a new day of data, a SIASN export that changes an
    employee's OPD or service from some date, a holiday added.

    Coverage: as fct_presensi_harian, from the first month with any attendance record
    to the later of the newest SIASN export (int_periods) and the newest attendance day.
#}
{{ config(materialized='table') }}

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

status as (

    select * from {{ ref('ref_status_presensi') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

batch_days as (

    -- one scan of the records: per day and load batch (a cheap hash key), the records with a NIP
    select
        tanggal,
        load_batch_id,
        count(*) filter (where nip is not null) as records
    from presensi
    group by tanggal, load_batch_id

),

batches as (

    -- per month and load batch, the records with a NIP and the days
    select
        to_char(tanggal, 'YYYY-MM') as month_id,
        load_batch_id,
        sum(records)::bigint as records,
        min(tanggal) as first_tanggal,
        max(tanggal) as last_tanggal
    from batch_days
    group by to_char(tanggal, 'YYYY-MM'), load_batch_id

),

coverage as (

    select
        date_trunc('month', min(first_tanggal))::date as first_day,
        greatest((select max(periods.reference_date) from periods), max(last_tanggal)) as last_day
    from batches

),

months as (

    select
        to_char(series.month_start, 'YYYY-MM') as month_id,
        greatest(series.month_start::date, coverage.first_day) as build_start,
        least((series.month_start + interval '1 month - 1 day')::date, coverage.last_day) as build_end
    from coverage
    cross join lateral generate_series(
        coverage.first_day, coverage.last_day, interval '1 month'
    ) as series (month_start)

),

batch_part as (

    select
        month_id,
        string_agg(load_batch_id || ':' || records, ',' order by load_batch_id) as batches,
        count(*) as batch_count
    from batches
    where records > 0
    group by month_id

),

calendar_part as (

    select
        month_id,
        md5(string_agg(
            concat_ws('|', tanggal, is_working_day, working_day_number, year_id, quarter_id),
            ',' order by tanggal
        )) as calendar_hash
    from calendar
    group by month_id

),

version_part as (

    select
        months.month_id,
        md5(string_agg(
            concat_ws(
                '|',
                versions.pegawai_version_id,
                versions.nip,
                versions.opd_id,
                versions.is_active_service,
                versions.tmt_cpns,
                greatest(versions.valid_from, months.build_start),
                least(coalesce(versions.valid_to - 1, months.build_end), months.build_end)
            ),
            ',' order by versions.pegawai_version_id
        )) as versions_hash
    from months
    inner join versions
        on
            months.build_end >= versions.valid_from
            and (versions.valid_to is null or months.build_start < versions.valid_to)
    group by months.month_id

),

status_part as (

    select md5(string_agg(status::text, ',' order by status::text)) as status_hash
    from status

),

final as (

    select
        months.month_id,
        months.build_start,
        months.build_end,
        batch_part.batches,
        coalesce(batch_part.batch_count, 0) as batch_count,
        md5(concat_ws(
            '#',
            months.build_start,
            months.build_end,
            batch_part.batches,
            calendar_part.calendar_hash,
            version_part.versions_hash,
            status_part.status_hash
        )) as source_fingerprint
    from months
    cross join status_part
    left join batch_part
        on months.month_id = batch_part.month_id
    left join calendar_part
        on months.month_id = calendar_part.month_id
    left join version_part
        on months.month_id = version_part.month_id

)

select * from final
