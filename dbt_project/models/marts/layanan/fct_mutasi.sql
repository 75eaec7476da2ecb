{#
    Transfer requests (SIMPEG tb_mutasi), one row per request: kind, origin and destination,
    the OPD it is counted for (opd_asal, or opd_tujuan for a pindah masuk) and the days to a
    decision against var('layanan_standar_hari').
#}
with

mutasi as (

    select * from {{ ref('stg_simpeg__mutasi') }}

),

final as (

    select
        mutasi_id,
        nip,
        jenis_mutasi,
        instansi_asal,
        instansi_tujuan,
        opd_asal,
        opd_tujuan,
        coalesce(opd_asal, opd_tujuan) as opd_id,
        tgl_usul,
        tgl_keputusan,
        tmt_mutasi,
        status_usulan,
        no_sk,
        tgl_keputusan - tgl_usul as hari_sampai_keputusan,
        tgl_keputusan is not null as is_diputuskan,
        coalesce(tgl_keputusan - tgl_usul <= {{ var('layanan_standar_hari') }}, false) as is_dalam_standar,
        load_batch_id
    from mutasi

)

select * from final
