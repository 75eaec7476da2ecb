{#
    Follow-up list for the Sub Bidang Mutasi dan Kepangkatan: KGB that fell due (PNS in
    active service on the due date) and for which SIMPEG holds no SK at the data date, oldest
    first, with the days overdue. NIP only.
#}
with

jatuh_tempo as (

    select * from {{ ref('int_kgb_jatuh_tempo') }}

),

opd as (

    select * from {{ ref('dim_opd') }}

),

final as (

    select
        jatuh_tempo.kgb_jatuh_tempo_id,
        jatuh_tempo.nip,
        jatuh_tempo.opd_id,
        opd.opd_nama,
        jatuh_tempo.tmt_jatuh_tempo,
        jatuh_tempo.tmt_sebelumnya,
        jatuh_tempo.dasar_tmt_sebelumnya,
        jatuh_tempo.data_as_of,
        jatuh_tempo.data_as_of - jatuh_tempo.tmt_jatuh_tempo as hari_tertunda,
        jatuh_tempo.load_batch_id
    from jatuh_tempo
    left join opd
        on jatuh_tempo.opd_id = opd.opd_id
    where not jatuh_tempo.is_terbit

)

select * from final
