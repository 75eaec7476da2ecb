{#
    The indicator fact table: one row per indicator code, period and scope (the whole agency,
    opd_id null, and each perangkat daerah), with numerator, denominator and value.
    A zero denominator gives a null value with its reason, never an error or a zero.
#}
with

evidence as (

    select * from {{ ref('fct_iku_evidence') }}

),

catalog as (

    select * from {{ ref('iku_catalog') }}

),

opd as (

    select * from {{ ref('dim_opd') }}

),

aggregated as (

    select
        indicator_code,
        period_type,
        period_year,
        opd_id,
        grouping(opd_id) = 1 as is_agency,
        max(reference_date) as reference_date,
        count(*) filter (where in_numerator) as numerator,
        count(*) filter (where in_denominator) as denominator,
        string_agg(distinct load_batch_id::text, ',') as source_batch_ids
    from evidence
    group by grouping sets (
        (indicator_code, period_type, period_year),
        (indicator_code, period_type, period_year, opd_id)
    )

),

valued as (

    select
        aggregated.*,
        catalog.indicator_name,
        catalog.unit_of_measure,
        catalog.direction,
        case
            when aggregated.denominator = 0 then null
            when catalog.unit_of_measure = 'persen'
                then round(100 * {{ safe_divide('aggregated.numerator', 'aggregated.denominator') }}, 4)
            when catalog.unit_of_measure = 'per 1000'
                then round(1000 * {{ safe_divide('aggregated.numerator', 'aggregated.denominator') }}, 4)
            else aggregated.numerator::numeric
        end as value,
        case
            when aggregated.denominator = 0
                then 'denominator is zero: nobody to count for this period and scope'
        end as null_reason
    from aggregated
    inner join catalog
        on aggregated.indicator_code = catalog.indicator_code

),

final as (

    select
        {{ surrogate_key(['valued.indicator_code', 'valued.period_type', 'valued.period_year', 'valued.opd_id']) }}
            as iku_id,
        valued.indicator_code,
        valued.indicator_name,
        valued.period_type,
        valued.period_year,
        make_date(valued.period_year, 1, 1) as period_start,
        make_date(valued.period_year, 12, 31) as period_end,
        valued.reference_date,
        case when valued.is_agency then 'agency' else 'opd' end as scope,
        case when valued.is_agency then null else valued.opd_id end as opd_id,
        opd.opd_nama,
        valued.numerator,
        valued.denominator,
        valued.value,
        valued.unit_of_measure,
        valued.direction,
        valued.null_reason,
        valued.source_batch_ids
    from valued
    left join opd
        on valued.opd_id = opd.opd_id and not valued.is_agency

)

select * from final
