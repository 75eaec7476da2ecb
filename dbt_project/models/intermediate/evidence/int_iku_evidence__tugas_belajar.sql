{#
    DTK-1 Terlaksananya Pengelolaan Pendidikan Lanjutan ASN (year only). Denominator: tugas
    belajar whose planned end date (tanggal_selesai) falls in the year, up to the reference
    date (a study not yet due to end is not counted in a running year); numerator: those whose
    status is 'selesai'. Subject = the tugas belajar record; OPD = the employee's OPD on the
    planned end date (the int_pegawai_versions version valid that day, else the newest).
#}
with

tugas_belajar as (

    select * from {{ ref('stg_siasn__riwayat_tugas_belajar') }}

),

catalog_periods as (

    select * from {{ ref('int_iku_catalog_periods') }}

),

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

with_opd as (

    select
        tugas_belajar.*,
        opd_at.opd_id
    from tugas_belajar
    left join lateral (
        select versions.opd_id
        from versions
        where versions.nip = tugas_belajar.nip
        order by
            ({{ version_valid_on('versions', 'tugas_belajar.nip', 'tugas_belajar.tanggal_selesai') }}) desc,
            versions.valid_from desc
        limit 1
    ) as opd_at on true

),

evidence as (

    select
        catalog_periods.indicator_code,
        catalog_periods.period_id,
        with_opd.opd_id,
        'tugas_belajar' as subject_type,
        with_opd.tugas_belajar_id as subject_id,
        with_opd.nip,
        coalesce(with_opd.status = 'selesai', false) as in_numerator,
        true as in_denominator,
        with_opd.load_batch_id
    from with_opd
    inner join catalog_periods
        on with_opd.tanggal_selesai between catalog_periods.period_start and catalog_periods.reference_date
    where catalog_periods.indicator_code = 'DTK-1'

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
