{#
    Diklat: one row per riwayat diklat record (leadership, functional, technical training and
    competence certificates), with the leadership level from ref_diklat_kepemimpinan (1 PKN I
    .. 4 PKP / PIM IV; lower is higher) and the employee's OPD on the day it finished (the
    int_pegawai_versions version valid that day, else the newest).
#}
with

diklat as (

    select * from {{ ref('stg_siasn__riwayat_diklat') }}

),

kepemimpinan as (

    select * from {{ ref('ref_diklat_kepemimpinan') }}

),

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

final as (

    select
        diklat.riwayat_diklat_id as diklat_id,
        diklat.nip,
        opd_at.opd_id,
        diklat.jenis_diklat,
        diklat.latihan_struktural_id,
        coalesce(kepemimpinan.latihan_struktural_nama, diklat.latihan_struktural_nama) as latihan_struktural_nama,
        kepemimpinan.kepemimpinan_level,
        kepemimpinan.latihan_struktural_id is not null as is_diklat_kepemimpinan,
        diklat.nama_diklat,
        diklat.tahun,
        diklat.tanggal_selesai,
        diklat.jumlah_jam,
        diklat.nomor_sertifikat,
        diklat.is_sertifikat_kompetensi,
        diklat.load_batch_id
    from diklat
    left join kepemimpinan
        on diklat.latihan_struktural_id = kepemimpinan.latihan_struktural_id
    left join lateral (
        select versions.opd_id
        from versions
        where versions.nip = diklat.nip
        order by
            ({{ version_valid_on('versions', 'diklat.nip', 'diklat.tanggal_selesai') }}) desc,
            versions.valid_from desc
        limit 1
    ) as opd_at on true

)

select * from final
