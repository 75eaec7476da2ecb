with

source as (

    select * from {{ source('siasn', 'riwayat_diklat') }}

),

renamed as (

    select
        id as riwayat_diklat_id,
        nip_baru as nip,
        lower(jenis_diklat) as jenis_diklat,
        upper(latihan_struktural_id) as latihan_struktural_id,
        latihan_struktural_nama,
        nama_diklat,
        tahun,
        coalesce(tanggal_selesai, make_date(tahun, 12, 31)) as tanggal_selesai,
        jumlah_jam,
        nomor_sertifikat,
        -- typed by the loader (a yes/no field: sources.values.parse_boolean); empty is no
        coalesce(is_sertifikat_kompetensi, false) as is_sertifikat_kompetensi,
        _batch_id as load_batch_id
    from source

)

select * from renamed
