with

pegawai as (

    select * from {{ ref('stg_siasn__pns') }}

),

opd as (

    select
        opd_id,
        min(opd_nama) as opd_nama,
        count(*) as pegawai_count
    from pegawai
    group by opd_id

)

select * from opd
