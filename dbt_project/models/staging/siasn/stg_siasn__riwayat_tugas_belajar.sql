with

source as (

    select * from {{ source('siasn', 'riwayat_tugas_belajar') }}

),

renamed as (

    select
        id as tugas_belajar_id,
        nip_baru as nip,
        tingkat_pendidikan_id,
        institusi,
        tanggal_mulai,
        tanggal_selesai,
        lower(status) as status,
        _batch_id as load_batch_id
    from source

)

select * from renamed
