with

source as (

    select * from {{ source('simpeg', 'simpeg_ref_jenis_cuti') }}

),

renamed as (

    select
        kd_jenis_cuti,
        nama_jenis_cuti,
        _batch_id as load_batch_id
    from source

)

select * from renamed
