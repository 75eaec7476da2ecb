{#
    Golongan of PNS (I/a .. IV/e) and PPPK (I .. XVII). Join on golongan_key (kind + id):
    SIASN's numeric ids collide between PNS and PPPK.
#}
with

golongan as (

    select * from {{ ref('ref_golongan') }}

),

final as (

    select
        golongan_key,
        golongan_kind,
        golongan_id,
        golongan_nama,
        nullif(pangkat_nama, '') as pangkat_nama,
        urutan,
        left(golongan_id, 1)::integer as golongan_ruang
    from golongan

)

select * from final
