{#
    BPP-1 Jumlah Laporan Penilaian dan Evaluasi Kinerja Seluruh OPD yang dikelola per tahun
    (year only, agency total). Candidates: every perangkat daerah with ASN active at the
    reference date of the year (int_pegawai_at_period_end); counted when at least
    var('skp_recap_complete_share') (default 0.95) of those ASN have an SKP rating
    (riwayat_skp with a predikat or a hasil kinerja) for that year. Subject = the OPD. SKP of
    a year are rated early the next year, so the running year usually counts zero.
#}
with

population as (

    select * from {{ ref('int_pegawai_at_period_end') }}

),

skp as (

    select * from {{ ref('stg_siasn__riwayat_skp') }}

),

rated as (

    select distinct
        nip,
        tahun
    from skp
    where coalesce(predikat_kinerja, hasil_kinerja) is not null

),

per_opd as (

    select
        population.period_id,
        population.opd_id,
        count(*) as asn_count,
        count(rated.nip) as rated_count,
        max(population.load_batch_id) as load_batch_id
    from population
    left join rated
        on
            population.nip = rated.nip
            and population.period_year = rated.tahun
    where
        population.period_type = 'year'
        and population.opd_id is not null
    group by population.period_id, population.opd_id

),

evidence as (

    select
        'BPP-1' as indicator_code,
        period_id,
        opd_id,
        'opd' as subject_type,
        opd_id as subject_id,
        null::text as nip,
        rated_count >= {{ var('skp_recap_complete_share', 0.95) }} * asn_count as in_numerator,
        true as in_denominator,
        load_batch_id
    from per_opd

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
