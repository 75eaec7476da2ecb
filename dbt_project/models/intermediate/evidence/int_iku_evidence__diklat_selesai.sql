{#
    DST-1 Terlaksananya Sertifikasi Kompetensi (jumlah: distinct ASN who obtained a sertifikat
    kompetensi in the period) and DST-2 Terselenggaranya Pengembangan Kompetensi ... (jumlah:
    distinct ASN who completed a leadership or functional training in the period).

    Candidates: one row per employee and year / quarter for every employee with any riwayat
    diklat finished in the period (tanggal_selesai between period start and reference date).
    DST-1 counts the employee when one of those is a sertifikat kompetensi. DST-2 counts the
    employee when one of those is a leadership training (an id of ref_diklat_kepemimpinan or
    jenis_diklat 'struktural') or a functional one (jenis_diklat 'fungsional'); technical
    trainings and sertifikasi alone do not count for DST-2. Distinct employees: two trainings
    in a period count once. OPD = the employee's OPD on the day the last of those trainings
    finished (the version of int_pegawai_versions valid that day, else the newest version).
#}
with

diklat as (

    select * from {{ ref('stg_siasn__riwayat_diklat') }}

),

kepemimpinan as (

    select * from {{ ref('ref_diklat_kepemimpinan') }}

),

catalog_periods as (

    select * from {{ ref('int_iku_catalog_periods') }}

),

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

per_period as (

    select
        catalog_periods.indicator_code,
        catalog_periods.period_id,
        diklat.nip,
        max(diklat.tanggal_selesai) as last_tanggal_selesai,
        max(diklat.load_batch_id) as load_batch_id,
        bool_or(diklat.is_sertifikat_kompetensi) as has_sertifikat,
        bool_or(
            kepemimpinan.latihan_struktural_id is not null
            or diklat.jenis_diklat in ('struktural', 'fungsional')
        ) as has_kepemimpinan_fungsional
    from diklat
    inner join catalog_periods
        on diklat.tanggal_selesai between catalog_periods.period_start and catalog_periods.reference_date
    left join kepemimpinan
        on diklat.latihan_struktural_id = kepemimpinan.latihan_struktural_id
    where catalog_periods.indicator_code in ('DST-1', 'DST-2')
    group by catalog_periods.indicator_code, catalog_periods.period_id, diklat.nip

),

with_opd as (

    select
        per_period.*,
        opd_at.opd_id
    from per_period
    left join lateral (
        select versions.opd_id
        from versions
        where versions.nip = per_period.nip
        order by
            ({{ version_valid_on('versions', 'per_period.nip', 'per_period.last_tanggal_selesai') }}) desc,
            versions.valid_from desc
        limit 1
    ) as opd_at on true

),

evidence as (

    select
        indicator_code,
        period_id,
        opd_id,
        'pegawai' as subject_type,
        nip as subject_id,
        nip,
        case indicator_code
            when 'DST-1' then has_sertifikat
            when 'DST-2' then has_kepemimpinan_fungsional
        end as in_numerator,
        true as in_denominator,
        load_batch_id
    from with_opd

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
