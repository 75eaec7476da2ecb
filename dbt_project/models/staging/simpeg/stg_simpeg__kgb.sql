with

source as (

    select * from {{ source('simpeg', 'simpeg_kgb') }}

),

renamed as (

    select
        id_kgb as kgb_id,
        nip,
        tmt_kgb,
        no_sk,
        tgl_sk,
        gaji_lama,
        gaji_baru,
        mk_tahun,
        mk_bulan,
        updated_at::timestamp as updated_at,
        _batch_id as load_batch_id
    from source

)

select * from renamed
