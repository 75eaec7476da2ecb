{#
    Hukuman disiplin (PP 94/2021): one row per riwayat hukuman disiplin record of SIASN, with
    the sanction decoded through ref_jenis_hukuman (tingkat R ringan, S sedang, B berat; the
    record's own tingkat when the jenis is unknown) and the employee's OPD on the SK date (the
    int_pegawai_versions version valid that day, else the newest). NIP only, no personal data.
#}
with

hukdis as (

    select * from {{ ref('stg_siasn__riwayat_hukdis') }}

),

jenis_hukuman as (

    select * from {{ ref('ref_jenis_hukuman') }}

),

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

final as (

    select
        hukdis.riwayat_hukdis_id as hukuman_disiplin_id,
        hukdis.nip,
        opd_at.opd_id,
        hukdis.jenis_hukuman_id,
        coalesce(jenis_hukuman.jenis_hukuman_nama, hukdis.jenis_hukuman_nama) as jenis_hukuman_nama,
        coalesce(jenis_hukuman.tingkat_hukuman, hukdis.tingkat_hukuman) as tingkat_hukuman,
        coalesce(
            jenis_hukuman.tingkat_hukuman_nama,
            case hukdis.tingkat_hukuman when 'R' then 'ringan' when 'S' then 'sedang' when 'B' then 'berat' end
        ) as tingkat_hukuman_nama,
        jenis_hukuman.jenis_hukuman_id is not null as is_jenis_hukuman_known,
        hukdis.sk_nomor,
        hukdis.sk_tanggal,
        extract(year from hukdis.sk_tanggal)::integer as sk_tahun,
        hukdis.hukuman_tanggal,
        hukdis.masa_tahun,
        hukdis.masa_bulan,
        hukdis.akhir_hukum_tanggal,
        hukdis.sk_tanggal is not null and nullif(trim(hukdis.sk_nomor), '') is not null as is_validated,
        hukdis.load_batch_id
    from hukdis
    left join jenis_hukuman
        on hukdis.jenis_hukuman_id = jenis_hukuman.jenis_hukuman_id
    left join lateral (
        select versions.opd_id
        from versions
        where versions.nip = hukdis.nip
        order by
            ({{ version_valid_on('versions', 'hukdis.nip', 'hukdis.sk_tanggal') }}) desc,
            versions.valid_from desc
        limit 1
    ) as opd_at on true

)

select * from final
