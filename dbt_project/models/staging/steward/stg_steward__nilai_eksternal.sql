with

source as (

    select * from {{ source('steward', 'nilai_eksternal') }}

),

renamed as (

    select
        upper(trim(indicator_code)) as indicator_code,
        tahun,
        nilai,
        nullif(kategori, '') as kategori,
        penilai,
        bukti,
        _batch_id as load_batch_id
    from source

)

select * from renamed
