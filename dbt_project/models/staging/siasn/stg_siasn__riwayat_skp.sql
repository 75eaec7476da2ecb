with

source as (

    select * from {{ source('siasn', 'riwayat_skp') }}

),

renamed as (

    select
        id as riwayat_skp_id,
        nip_baru as nip,
        tahun,
        upper(hasil_kinerja) as hasil_kinerja,
        upper(perilaku_kerja) as perilaku_kerja,
        upper(kuadran_kinerja) as predikat_kinerja,
        nullif(nip_penilai, '') as nip_penilai,
        _batch_id as load_batch_id
    from source

)

select * from renamed
