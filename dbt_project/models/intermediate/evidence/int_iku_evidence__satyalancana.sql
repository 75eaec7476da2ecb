{#
    PEN-3 Terlaksananya Pemberian Penghargaan bagi ASN (year only).

    For year Y, the denominator is every PNS (jenis_asn 'PNS') active at the reference date of
    Y (int_pegawai_at_period_end, OPD of that date) who reached 10, 20 or 30 years of service
    in year Y-1 (year of tmt_cpns + N = Y-1; service counted from TMT CPNS) and has no
    hukuman disiplin sedang or berat (ref_jenis_hukuman.tingkat_hukuman S or B, or the
    tingkat of the record when its jenis is unknown) with an SK dated before 1 January of Y.
    Numerator: awarded the matching Satyalancana Karya Satya (ref_penghargaan
    satyalancana_tahun = N) in year Y-1 or Y. Employees no longer active at the reference date
    are left out (decision: the population of the period, as for every headcount indicator).
#}
with

population as (

    select * from {{ ref('int_pegawai_at_period_end') }}

),

hukdis as (

    select * from {{ ref('stg_siasn__riwayat_hukdis') }}

),

jenis_hukuman as (

    select * from {{ ref('ref_jenis_hukuman') }}

),

penghargaan as (

    select * from {{ ref('stg_siasn__riwayat_penghargaan') }}

),

satyalancana as (

    select * from {{ ref('ref_penghargaan') }}

),

milestones as (

    select
        population.period_id,
        population.period_year,
        population.opd_id,
        population.nip,
        population.load_batch_id,
        satyalancana.satyalancana_tahun
    from population
    inner join satyalancana
        on extract(year from population.tmt_cpns)::integer + satyalancana.satyalancana_tahun
            = population.period_year - 1
    where
        population.period_type = 'year'
        and population.jenis_asn = 'PNS'
        and satyalancana.satyalancana_tahun is not null

),

berat_sedang as (

    select
        hukdis.nip,
        hukdis.sk_tanggal
    from hukdis
    left join jenis_hukuman
        on hukdis.jenis_hukuman_id = jenis_hukuman.jenis_hukuman_id
    where coalesce(jenis_hukuman.tingkat_hukuman, hukdis.tingkat_hukuman) in ('S', 'B')

),

eligible as (

    select milestones.*
    from milestones
    where not exists (
            select 1
            from berat_sedang
            where
                berat_sedang.nip = milestones.nip
                and berat_sedang.sk_tanggal < make_date(milestones.period_year, 1, 1)
        )

),

awarded as (

    select
        eligible.period_id,
        eligible.nip,
        max(penghargaan.load_batch_id) as load_batch_id
    from eligible
    inner join penghargaan
        on
            eligible.nip = penghargaan.nip
            and eligible.satyalancana_tahun = penghargaan.satyalancana_tahun
            and penghargaan.tahun between eligible.period_year - 1 and eligible.period_year
    group by eligible.period_id, eligible.nip

),

evidence as (

    select
        'PEN-3' as indicator_code,
        eligible.period_id,
        eligible.opd_id,
        'pegawai' as subject_type,
        eligible.nip as subject_id,
        eligible.nip,
        awarded.nip is not null as in_numerator,
        true as in_denominator,
        coalesce(awarded.load_batch_id, eligible.load_batch_id) as load_batch_id
    from eligible
    left join awarded
        on
            eligible.period_id = awarded.period_id
            and eligible.nip = awarded.nip

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
