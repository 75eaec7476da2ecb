{#
    BKD-1.3 and PSDA-3 (the same figure): Persentase Pegawai ASN Berkualifikasi Pendidikan
    Tinggi. Every ASN active at the reference date is in the denominator; in the numerator
    when the highest tingkat pendidikan id at that date reaches
    var('pendidikan_tinggi_min_tingkat') (default 20: Diploma I and above, UU 12/2012).
#}
with

population as (

    select * from {{ ref('int_pegawai_at_period_end') }}

),

indicators as (

    select 'BKD-1.3' as indicator_code
    union all
    select 'PSDA-3'

),

evidence as (

    select
        indicators.indicator_code,
        population.period_id,
        population.opd_id,
        'pegawai' as subject_type,
        population.nip as subject_id,
        population.nip,
        coalesce(
            population.tingkat_pendidikan_id ~ '^\d+$'
            and population.tingkat_pendidikan_id::integer >= {{ var('pendidikan_tinggi_min_tingkat') }},
            false
        ) as in_numerator,
        true as in_denominator,
        population.load_batch_id
    from population
    cross join indicators

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
