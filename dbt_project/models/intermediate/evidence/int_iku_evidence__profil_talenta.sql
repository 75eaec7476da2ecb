{#
    INKA-3 Jumlah Data Profil Pegawai yang Tersedia (hasil talent pool), a count. Candidates:
    every ASN active at the reference date of the year (int_pegawai_at_period_end), in the OPD
    of that date; counted when a steward-entered assessment / talent-pool profile
    (stg_steward__assessment) of theirs is dated in the period's year or earlier. Profiles of
    employees no longer active are not counted. Year periods only (the catalog lists year).
#}
with

population as (

    select * from {{ ref('int_pegawai_at_period_end') }}

),

assessment as (

    select * from {{ ref('stg_steward__assessment') }}

),

profiled as (

    select
        population.period_id,
        population.nip,
        max(assessment.load_batch_id) as load_batch_id
    from population
    inner join assessment
        on
            population.nip = assessment.nip
            and population.period_year >= assessment.tahun
    where population.period_type = 'year'
    group by population.period_id, population.nip

),

evidence as (

    select
        'INKA-3' as indicator_code,
        population.period_id,
        population.opd_id,
        'pegawai' as subject_type,
        population.nip as subject_id,
        population.nip,
        profiled.nip is not null as in_numerator,
        true as in_denominator,
        coalesce(profiled.load_batch_id, population.load_batch_id) as load_batch_id
    from population
    left join profiled
        on
            population.period_id = profiled.period_id
            and population.nip = profiled.nip
    where population.period_type = 'year'

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
