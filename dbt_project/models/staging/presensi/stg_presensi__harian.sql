with

source as (

    select * from {{ source('presensi', 'presensi_harian') }}

),

renamed as (

    select
        nip,
        tanggal,
        upper(status_kode) as status_kode,
        jam_masuk,
        jam_pulang,
        _source_file as source_file,
        _batch_id as load_batch_id
    from source

)

select * from renamed
