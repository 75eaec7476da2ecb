with

source as (

    select * from {{ source('steward', 'target_iku') }}

),

renamed as (

    select
        upper(trim(indicator_code)) as indicator_code,
        tahun,
        target,
        dokumen,
        _batch_id as load_batch_id
    from source

)

select * from renamed
