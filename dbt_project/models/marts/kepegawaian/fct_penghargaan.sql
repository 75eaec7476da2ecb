{#
    Penghargaan: one row per riwayat penghargaan record, with the years of service a
    Satyalancana Karya Satya rewards (ref_penghargaan) and the employee's OPD on the SK date
    (the int_pegawai_versions version valid that day, else the newest).
#}
with

penghargaan as (

    select * from {{ ref('stg_siasn__riwayat_penghargaan') }}

),

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

final as (

    select
        penghargaan.riwayat_penghargaan_id as penghargaan_record_id,
        penghargaan.nip,
        opd_at.opd_id,
        penghargaan.penghargaan_id,
        penghargaan.penghargaan_nama,
        penghargaan.satyalancana_tahun,
        penghargaan.satyalancana_tahun is not null as is_satyalancana,
        penghargaan.tahun,
        penghargaan.sk_nomor,
        penghargaan.sk_tanggal,
        penghargaan.load_batch_id
    from penghargaan
    left join lateral (
        select versions.opd_id
        from versions
        where versions.nip = penghargaan.nip
        order by
            ({{ version_valid_on(
                'versions', 'penghargaan.nip', 'coalesce(penghargaan.sk_tanggal, make_date(penghargaan.tahun, 12, 31))'
            ) }}) desc,
            versions.valid_from desc
        limit 1
    ) as opd_at on true

)

select * from final
