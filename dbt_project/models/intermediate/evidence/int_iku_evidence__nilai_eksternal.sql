{#
    The manual indicators (BKD-1.1 NSPK index, BKD-3.1 nilai SAKIP, SEK-1.2 consistency):
    the score a steward entered for the year, with its assessor and evidence reference. The
    warehouse stores and checks these scores; it does not compute them.
#}
with

nilai as (

    select * from {{ ref('stg_steward__nilai_eksternal') }}

),

catalog as (

    select * from {{ ref('iku_catalog') }}

),

evidence as (

    select
        nilai.indicator_code,
        nilai.tahun::text as period_id,
        null::text as opd_id,
        'nilai_eksternal' as subject_type,
        coalesce(nilai.bukti, nilai.indicator_code || '/' || nilai.tahun) as subject_id,
        null::text as nip,
        true as in_numerator,
        false as in_denominator,
        nilai.load_batch_id,
        nilai.nilai
    from nilai
    inner join catalog
        on nilai.indicator_code = catalog.indicator_code
    where catalog.kind = 'manual'

),

final as (

    {{ iku_evidence_final('evidence', numerator_amount='nilai', denominator_amount='null') }}

)

select * from final
