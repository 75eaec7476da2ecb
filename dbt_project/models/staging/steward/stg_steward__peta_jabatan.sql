with

source as (

    select * from {{ source('steward', 'peta_jabatan') }}

),

renamed as (

    select
        jabatan_id,
        opd_id,
        opd_nama,
        unit_nama,
        jabatan_nama,
        lower(jenis_jabatan) as jenis_jabatan,
        nullif(eselon_id, '99') as eselon_id,
        kelas_jabatan,
        coalesce(kebutuhan, 1) as kebutuhan,
        _as_of_date as peta_as_of,
        _batch_id as load_batch_id
    from source

)

select * from renamed
