with

source as (

    select * from {{ source('steward', 'assessment') }}

),

renamed as (

    select
        id as assessment_id,
        nip_baru as nip,
        tahun,
        metode,
        nilai_potensi,
        nilai_kinerja,
        kotak_talenta,
        _batch_id as load_batch_id
    from source

)

select * from renamed
