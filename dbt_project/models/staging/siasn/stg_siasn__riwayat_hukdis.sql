with

source as (

    select * from {{ source('siasn', 'riwayat_hukdis') }}

),

renamed as (

    select
        id as riwayat_hukdis_id,
        nip_baru as nip,
        jenis_hukuman_id,
        jenis_hukuman_nama,
        upper(tingkat_hukuman) as tingkat_hukuman,
        sk_nomor,
        sk_tanggal,
        hukuman_tanggal,
        masa_tahun,
        masa_bulan,
        akhir_hukum_tanggal,
        _batch_id as load_batch_id
    from source

)

select * from renamed
