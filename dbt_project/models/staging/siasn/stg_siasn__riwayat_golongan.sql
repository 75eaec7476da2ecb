with

source as (

    select * from {{ source('siasn', 'riwayat_golongan') }}

),

renamed as (

    select
        id as riwayat_golongan_id,
        nip_baru as nip,
        golongan_id,
        golongan_nama,
        jenis_kp,
        no_sk,
        tgl_sk,
        tmt_golongan,
        mk_tahun,
        mk_bulan,
        _batch_id as load_batch_id
    from source

)

select * from renamed
