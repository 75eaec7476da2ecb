{#
    The reporting periods: every year from var('iku_first_year') to the year of the newest
    SIASN export, with its quarters and months, up to that export's as-of date. Indicators are
    counted at the reference date: the period's end, or the newest export's date while the
    period is still running. Periods whose reference date precedes the first kept export are
    marked is_reconstructed: their employee history comes from the riwayat exports, which do
    not know employees who left before that export.

    No date of the wall clock reaches a figure: the dates are the exports' own. Without any
    export, var('iku_today') (a date, 'YYYY-MM-DD') stands in, else 31 December of the first year.
#}
with

exports as (

    select * from {{ ref('int_pegawai_exports') }}

),

as_of as (

    select
        coalesce(max(snapshot_date), {{ iku_today() }}) as data_as_of,
        coalesce(min(snapshot_date), {{ iku_today() }}) as first_snapshot_date
    from exports

),

months as (

    select
        generate_series(
            make_date({{ var('iku_first_year') }}, 1, 1),
            date_trunc('month', data_as_of)::date,
            interval '1 month'
        )::date as month_start
    from as_of

),

periods as (

    select distinct
        'year' as period_type,
        date_trunc('year', month_start)::date as period_start,
        (date_trunc('year', month_start) + interval '1 year - 1 day')::date as period_end
    from months
    union all
    select distinct
        'quarter' as period_type,
        date_trunc('quarter', month_start)::date as period_start,
        (date_trunc('quarter', month_start) + interval '3 months - 1 day')::date as period_end
    from months
    union all
    select
        'month' as period_type,
        month_start as period_start,
        (month_start + interval '1 month - 1 day')::date as period_end
    from months

),

final as (

    select
        case periods.period_type
            when 'year' then to_char(periods.period_start, 'YYYY')
            when 'quarter' then to_char(periods.period_start, 'YYYY-"Q"Q')
            else to_char(periods.period_start, 'YYYY-MM')
        end as period_id,
        periods.period_type,
        extract(year from periods.period_start)::integer as period_year,
        case when periods.period_type = 'quarter' then extract(quarter from periods.period_start)::integer end
            as period_quarter,
        case when periods.period_type = 'month' then extract(month from periods.period_start)::integer end
            as period_month,
        periods.period_start,
        periods.period_end,
        least(periods.period_end, as_of.data_as_of) as reference_date,
        periods.period_end <= as_of.data_as_of as is_complete,
        -- before the first kept SIASN export, employee history is rebuilt from the riwayat
        least(periods.period_end, as_of.data_as_of) < as_of.first_snapshot_date as is_reconstructed
    from periods
    cross join as_of

)

select * from final
