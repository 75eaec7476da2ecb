{#
    Perangkat daerah (OPD) of the instansi: every OPD named by SIASN or the peta jabatan,
    with its headcount in the newest SIASN export.
#}
with

pegawai as (

    select * from {{ ref('int_pegawai_newest_export') }}

),

peta as (

    select * from {{ ref('stg_steward__peta_jabatan') }}

),

from_siasn as (

    select
        opd_id,
        min(opd_nama) as opd_nama,
        count(*) as pegawai_count
    from pegawai
    group by opd_id

),

from_peta as (

    select
        opd_id,
        min(opd_nama) as opd_nama,
        count(*) filter (where eselon_id is not null) as jabatan_struktural_count
    from peta
    group by opd_id

),

final as (

    select
        coalesce(from_siasn.opd_id, from_peta.opd_id) as opd_id,
        coalesce(from_siasn.opd_nama, from_peta.opd_nama) as opd_nama,
        coalesce(from_siasn.pegawai_count, 0) as pegawai_count,
        coalesce(from_peta.jabatan_struktural_count, 0) as jabatan_struktural_count
    from from_siasn
    full outer join from_peta
        on from_siasn.opd_id = from_peta.opd_id

)

select * from final
