{#
    The periods of each indicator: one row per catalog indicator and reporting period of a type
    the catalog computes it for (iku_catalog.periods, e.g. 'year|quarter'), with the period's
    dates. The project's one definition of "the periods an indicator has":

    - an evidence model counts a dated subject (an SK, a request, a due date) in the periods of
      its indicator that contain the date: period_start <= date <= period_end, or <=
      reference_date where the indicator counts a planned date only once it is reached (a
      promotion or a study due to end later in a running year);
    - fct_iku_evidence keeps only these indicator x period rows, and fct_iku reports every one
      of them, with a value or a null value and its reason.
#}
with

catalog as (

    select * from {{ ref('iku_catalog') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

final as (

    select
        catalog.indicator_code,
        periods.period_id,
        periods.period_type,
        periods.period_year,
        periods.period_quarter,
        periods.period_month,
        periods.period_start,
        periods.period_end,
        periods.reference_date,
        periods.is_complete,
        periods.is_reconstructed
    from catalog
    inner join periods
        on periods.period_type = any(string_to_array(catalog.periods, '|'))

)

select * from final
