with

source as (

    select * from {{ source('presensi', 'kalender_libur') }}

),

renamed as (

    select
        tanggal,
        lower(jenis) as jenis_libur,
        keterangan,
        _batch_id as load_batch_id
    from source

)

select * from renamed
