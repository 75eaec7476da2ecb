{#
    Follow-up list: regular promotions that fell due and were not issued. One row per current
    PNS in active service (the current version in int_pegawai_versions) whose current golongan
    has a regular promotion due on or before the newest export's as-of date
    (int_kenaikan_pangkat_jatuh_tempo.is_due: var('kp_reguler_tahun') years in the golongan,
    below the ceiling of their education) with no later golongan recorded.
#}
with

jatuh_tempo as (

    select * from {{ ref('int_kenaikan_pangkat_jatuh_tempo') }}

),

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

golongan as (

    select * from {{ ref('ref_golongan') }}

),

pns as (

    select * from {{ ref('stg_siasn__pns') }}

),

as_of as (

    select max(snapshot_date) as snapshot_date
    from pns

),

current_pns as (

    select *
    from versions
    where
        is_current
        and is_active_service
        and jenis_asn = 'PNS'

),

final as (

    select
        jatuh_tempo.nip,
        current_pns.opd_id,
        current_pns.jabatan_id,
        current_pns.jabatan_nama,
        jatuh_tempo.golongan_key,
        golongan.golongan_nama,
        golongan.pangkat_nama,
        jatuh_tempo.tmt_golongan,
        jatuh_tempo.due_date,
        jatuh_tempo.golongan_maks_key,
        (
            extract(year from age(as_of.snapshot_date, jatuh_tempo.due_date)) * 12
            + extract(month from age(as_of.snapshot_date, jatuh_tempo.due_date))
        )::integer as bulan_tertunda,
        as_of.snapshot_date,
        jatuh_tempo.load_batch_id
    from jatuh_tempo
    inner join current_pns
        on jatuh_tempo.nip = current_pns.nip
    cross join as_of
    left join golongan
        on jatuh_tempo.golongan_key = golongan.golongan_key
    where
        jatuh_tempo.is_due
        and jatuh_tempo.next_tmt_golongan is null
        and jatuh_tempo.due_date <= as_of.snapshot_date

)

select * from final
