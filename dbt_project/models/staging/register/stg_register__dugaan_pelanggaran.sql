with

source as (

    select * from {{ source('register', 'register_dugaan_pelanggaran') }}

),

renamed as (

    select
        nomor_register,
        tanggal_laporan,
        nip,
        opd_id,
        sumber_laporan,
        jenis_dugaan,
        lower(status_pemeriksaan) as status_pemeriksaan,
        tanggal_pemeriksaan,
        tanggal_keputusan,
        nomor_keputusan,
        upper(tingkat_hukuman) as tingkat_hukuman,
        hukdis_id as riwayat_hukdis_id,
        _batch_id as load_batch_id
    from source

)

select * from renamed
