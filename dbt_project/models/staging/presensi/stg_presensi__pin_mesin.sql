with

source as (

    select * from {{ source('presensi', 'pin_mesin') }}

),

renamed as (

    select
        sn_mesin,
        lokasi_mesin,
        opd_id,
        pin,
        nip,
        berlaku_mulai,
        berlaku_sampai,
        _batch_id as load_batch_id
    from source

)

select * from renamed
