{#
    BKD-1.2 Rasio Pelanggaran Disiplin Pegawai ASN (per 1000, lower is better) and INKA-5
    Jumlah Laporan Disiplin Pegawai yang telah divalidasi.

    BKD-1.2: every ASN active at the reference date of the year / quarter
    (int_pegawai_at_period_end) is in the denominator, in the OPD of that date; in the
    numerator when at least one hukuman disiplin SK of theirs is dated in the period (SK date
    between period start and reference date). Distinct ASN, not SKs: two SKs count once.
    fct_iku multiplies the share by 1000. A sanctioned employee no longer active at the
    reference date is in neither (the ratio is over the ASN of that date).

    INKA-5: one row per hukuman disiplin record whose SK (or, without an SK date, the
    hukuman date) falls in the year, quarter or month; counted when it carries both an SK
    number and an SK date (validated with a decision). OPD = the employee's OPD on the SK date
    (the version of int_pegawai_versions valid that day, else the newest version).
#}
with

population as (

    select * from {{ ref('int_pegawai_at_period_end') }}

),

hukdis as (

    select * from {{ ref('stg_siasn__riwayat_hukdis') }}

),

catalog_periods as (

    select * from {{ ref('int_iku_catalog_periods') }}

),

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

sanctioned as (

    select
        population.period_id,
        population.nip,
        max(hukdis.load_batch_id) as load_batch_id
    from population
    inner join hukdis
        on
            population.nip = hukdis.nip
            and hukdis.sk_tanggal between population.period_start and population.reference_date
    group by population.period_id, population.nip

),

rasio as (

    select
        'BKD-1.2' as indicator_code,
        population.period_id,
        population.opd_id,
        'pegawai' as subject_type,
        population.nip as subject_id,
        population.nip,
        sanctioned.nip is not null as in_numerator,
        true as in_denominator,
        coalesce(sanctioned.load_batch_id, population.load_batch_id) as load_batch_id
    from population
    left join sanctioned
        on
            population.period_id = sanctioned.period_id
            and population.nip = sanctioned.nip

),

cases as (

    select
        hukdis.*,
        coalesce(hukdis.sk_tanggal, hukdis.hukuman_tanggal) as event_date,
        hukdis.sk_tanggal is not null and nullif(trim(hukdis.sk_nomor), '') is not null as is_validated
    from hukdis

),

cases_opd as (

    select
        cases.*,
        opd_at.opd_id
    from cases
    left join lateral (
        select versions.opd_id
        from versions
        where versions.nip = cases.nip
        order by
            ({{ version_valid_on('versions', 'cases.nip', 'cases.event_date') }}) desc,
            versions.valid_from desc
        limit 1
    ) as opd_at on true

),

laporan as (

    select
        catalog_periods.indicator_code,
        catalog_periods.period_id,
        cases_opd.opd_id,
        'hukuman_disiplin' as subject_type,
        cases_opd.riwayat_hukdis_id as subject_id,
        cases_opd.nip,
        cases_opd.is_validated as in_numerator,
        true as in_denominator,
        cases_opd.load_batch_id
    from cases_opd
    inner join catalog_periods
        on cases_opd.event_date between catalog_periods.period_start and catalog_periods.period_end
    where catalog_periods.indicator_code = 'INKA-5'

),

unioned as (

    select * from rasio
    union all
    select * from laporan

),

final as (

    {{ iku_evidence_final('unioned') }}

)

select * from final
