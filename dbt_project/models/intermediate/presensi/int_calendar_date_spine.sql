{#
    Every date of the calendar: from 1 January of var('iku_first_year') to 31 December of the
    newest data year, the later of the newest SIASN export (int_periods reference date) and
    the newest attendance day. Kept apart from int_calendar_days so that the calendar flags can
    be unit-tested on a handful of dates.
#}
with

periods as (

    select * from {{ ref('int_periods') }}

),

presensi as (

    select * from {{ ref('stg_presensi__harian') }}

),

bounds as (

    select
        make_date({{ var('iku_first_year') }}, 1, 1) as first_day,
        (
            date_trunc(
                'year',
                greatest(
                    (select max(periods.reference_date) from periods),
                    (select max(presensi.tanggal) from presensi),
                    make_date({{ var('iku_first_year') }}, 1, 1)
                )
            ) + interval '1 year - 1 day'
        )::date as last_day

),

final as (

    select generate_series(bounds.first_day, bounds.last_day, interval '1 day')::date as tanggal
    from bounds

)

select * from final
