{#
    The calendar: one row per date of int_calendar_date_spine, with the working-day rules of
    Perpres 21/2023: a working day is a Monday to Friday that is neither a libur nasional nor a
    cuti bersama (stg_presensi__kalender_libur, SKB 3 Menteri).

    Decisions:
    - Dates are local dates in WIT (UTC+9, Asia/Jayapura), the time zone of Halmahera Utara:
      no time-zone conversion happens here; attendance days are already local dates.
    - A date listed both as libur nasional and as cuti bersama carries both flags; several
      names on one date are joined with ' / '.
    - A year with no row at all in the holiday calendar (has_holiday_calendar false) treats
      every Monday to Friday as a working day: the calendar was not delivered, not empty.
    - working_day_number numbers the working days in order over the whole calendar (null on
      other days): consecutive working days have consecutive numbers, across weekends and
      holidays (used for "10 hari kerja berturut-turut"). working_days_to_date is the count
      of working days up to and including any date (working days of a range by subtraction).
    - year_id / quarter_id / month_id use the period_id formats of int_periods
      ('2025', '2025-Q3', '2025-09').
#}
{{ config(materialized='table') }}

with

spine as (

    select * from {{ ref('int_calendar_date_spine') }}

),

libur as (

    select * from {{ ref('stg_presensi__kalender_libur') }}

),

libur_per_day as (

    select
        tanggal,
        bool_or(jenis_libur = 'libur_nasional') as is_libur_nasional,
        bool_or(jenis_libur = 'cuti_bersama') as is_cuti_bersama,
        string_agg(distinct keterangan, ' / ') as libur_nama
    from libur
    where tanggal is not null
    group by tanggal

),

calendar_years as (

    select distinct extract(year from tanggal)::integer as tahun
    from libur
    where tanggal is not null

),

flagged as (

    select
        spine.tanggal,
        extract(year from spine.tanggal)::integer as tahun,
        extract(quarter from spine.tanggal)::integer as kuartal,
        extract(month from spine.tanggal)::integer as bulan,
        extract(isodow from spine.tanggal)::integer as iso_dow,
        extract(isodow from spine.tanggal) >= 6 as is_weekend,
        coalesce(libur_per_day.is_libur_nasional, false) as is_libur_nasional,
        coalesce(libur_per_day.is_cuti_bersama, false) as is_cuti_bersama,
        libur_per_day.libur_nama,
        calendar_years.tahun is not null as has_holiday_calendar
    from spine
    left join libur_per_day
        on spine.tanggal = libur_per_day.tanggal
    left join calendar_years
        on extract(year from spine.tanggal)::integer = calendar_years.tahun

),

working as (

    select
        *,
        not is_weekend and not is_libur_nasional and not is_cuti_bersama as is_working_day
    from flagged

),

numbered as (

    select
        *,
        count(*) filter (where is_working_day) over (order by tanggal) as working_days_to_date
    from working

),

final as (

    select
        tanggal,
        to_char(tanggal, 'YYYY') as year_id,
        to_char(tanggal, 'YYYY-"Q"Q') as quarter_id,
        to_char(tanggal, 'YYYY-MM') as month_id,
        tahun,
        kuartal,
        bulan,
        date_trunc('month', tanggal)::date as month_start,
        iso_dow,
        is_weekend,
        is_libur_nasional,
        is_cuti_bersama,
        libur_nama,
        is_working_day,
        case when is_working_day then working_days_to_date end as working_day_number,
        working_days_to_date,
        has_holiday_calendar
    from numbered

)

select * from final
