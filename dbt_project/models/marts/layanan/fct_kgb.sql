{#
    Kenaikan gaji berkala: one row per KGB that fell due (int_kgb_jatuh_tempo, from
    var('iku_first_year') to the data date, PNS in active service on the due date), with the
    SIMPEG SK that served it, whether it was issued, and on time (SK dated on or before the
    due TMT). The rows SMK-2 counts; mrt_kgb_tertunda lists the ones never issued. Salary
    amounts are left out.
#}
with

jatuh_tempo as (

    select * from {{ ref('int_kgb_jatuh_tempo') }}

),

final as (

    select
        kgb_jatuh_tempo_id,
        nip,
        opd_id,
        tmt_jatuh_tempo,
        tmt_sebelumnya,
        dasar_tmt_sebelumnya,
        extract(year from tmt_jatuh_tempo)::integer as tahun_jatuh_tempo,
        kgb_id,
        tmt_kgb,
        no_sk,
        tgl_sk,
        is_terbit,
        is_tepat_waktu,
        case
            when not is_terbit then 'belum_terbit'
            when is_tepat_waktu then 'tepat_waktu'
            else 'terlambat'
        end as status_kgb,
        hari_terlambat,
        data_as_of,
        load_batch_id
    from jatuh_tempo

)

select * from final
