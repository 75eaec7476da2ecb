{#
    ASN in active service at the snapshot date: PNS, CPNS and PPPK whose kedudukan hukum
    counts as active service (ref_kedudukan_hukum.is_active_service).
#}
with

pegawai as (

    select * from {{ ref('stg_siasn__pns') }}

),

kedudukan_hukum as (

    select * from {{ ref('ref_kedudukan_hukum') }}

),

jenis_pegawai as (

    select * from {{ ref('ref_jenis_pegawai') }}

),

active as (

    select
        pegawai.nip,
        pegawai.snapshot_date,
        pegawai.load_batch_id,
        pegawai.opd_id,
        pegawai.tingkat_pendidikan_id,
        case
            when jenis_pegawai.is_pppk then 'PPPK'
            when pegawai.status_cpns_pns = 'C' then 'CPNS'
            else 'PNS'
        end as jenis_asn
    from pegawai
    inner join kedudukan_hukum
        on pegawai.kedudukan_hukum_id = kedudukan_hukum.kedudukan_hukum_id
    left join jenis_pegawai
        on pegawai.jenis_pegawai_id = jenis_pegawai.jenis_pegawai_id
    where kedudukan_hukum.is_active_service

)

select * from active
