{#
    Evidence behind every `records` indicator: one row per indicator, period and employee
    (NIP only), flagged for numerator and denominator. fct_iku is aggregated from this model,
    so any figure can be recomputed by hand from it.
#}
with

bkd_1_3 as (

    select * from {{ ref('int_iku_evidence__bkd_1_3') }}

),

unioned as (

    select
        indicator_code,
        period_type,
        period_year,
        reference_date,
        opd_id,
        nip,
        in_numerator,
        in_denominator,
        load_batch_id
    from bkd_1_3

)

select * from unioned
