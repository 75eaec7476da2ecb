{#
    The date dimension with the working-day calendar of Perpres 21/2023 (Monday to Friday,
    not a libur nasional nor a cuti bersama), in WIT local dates. Built on int_calendar_days.
#}
with

calendar as (

    select * from {{ ref('int_calendar_days') }}

),

final as (

    select
        tanggal,
        year_id,
        quarter_id,
        month_id,
        tahun,
        kuartal,
        bulan,
        month_start,
        iso_dow,
        trim(
            case iso_dow
                when 1 then 'Senin'
                when 2 then 'Selasa'
                when 3 then 'Rabu'
                when 4 then 'Kamis'
                when 5 then 'Jumat'
                when 6 then 'Sabtu'
                else 'Minggu'
            end
        ) as nama_hari,
        is_weekend,
        is_libur_nasional,
        is_cuti_bersama,
        libur_nama,
        is_working_day,
        working_day_number,
        working_days_to_date,
        has_holiday_calendar
    from calendar

)

select * from final
