with

source as (

    select * from {{ source('siasn', 'riwayat_pendidikan') }}

),

renamed as (

    select
        id as riwayat_pendidikan_id,
        nip_baru as nip,
        tingkat_pendidikan_id,
        pendidikan_nama,
        tahun_lulus,
        coalesce(tgl_lulus, make_date(tahun_lulus, 12, 31)) as tanggal_lulus,
        is_pendidikan_pertama,
        _batch_id as load_batch_id
    from source

)

select * from renamed
