with

source as (

    select * from {{ source('simpeg', 'simpeg_cuti') }}

),

renamed as (

    select
        id_cuti as cuti_id,
        nip,
        kd_jenis_cuti,
        tgl_usul,
        tgl_mulai,
        tgl_selesai,
        lama_hari,
        tgl_keputusan,
        lower(status_usulan) as status_usulan,
        no_sk,
        updated_at::timestamp as updated_at,
        _batch_id as load_batch_id
    from source

)

select * from renamed
