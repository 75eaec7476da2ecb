with

source as (

    select * from {{ source('simpeg', 'simpeg_mutasi') }}

),

renamed as (

    select
        id_mutasi as mutasi_id,
        nip,
        lower(jenis_mutasi) as jenis_mutasi,
        instansi_asal,
        instansi_tujuan,
        opd_asal,
        opd_tujuan,
        tgl_usul,
        tgl_keputusan,
        tmt_mutasi,
        lower(status_usulan) as status_usulan,
        no_sk,
        updated_at::timestamp as updated_at,
        _batch_id as load_batch_id
    from source

)

select * from renamed
