with

source as (

    select * from {{ source('siasn', 'riwayat_pemberhentian') }}

),

renamed as (

    select
        id as riwayat_pemberhentian_id,
        nip_baru as nip,
        upper(jenis_pemberhentian) as jenis_pemberhentian,
        tmt_pemberhentian,
        no_sk,
        tgl_sk,
        _batch_id as load_batch_id
    from source

)

select * from renamed
