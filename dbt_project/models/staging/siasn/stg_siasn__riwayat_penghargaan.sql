with

source as (

    select * from {{ source('siasn', 'riwayat_penghargaan') }}

),

penghargaan as (

    select * from {{ ref('ref_penghargaan') }}

),

renamed as (

    select
        source.id as riwayat_penghargaan_id,
        source.nip_baru as nip,
        source.harga_id as penghargaan_id,
        source.harga_nama as penghargaan_nama,
        source.tahun,
        source.sk_nomor,
        source.sk_tanggal,
        penghargaan.satyalancana_tahun,
        source._batch_id as load_batch_id
    from source
    left join penghargaan
        on source.harga_id = penghargaan.penghargaan_id

)

select * from renamed
