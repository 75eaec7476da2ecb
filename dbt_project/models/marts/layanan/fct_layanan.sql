{#
    Every entry of the service registers (register_layanan, the sub-bidang's Buku Register):
    one row per request, with its dates, the days it took to a decision, whether that was
    within var('layanan_standar_hari') and before / by its TMT, and the indicators it feeds
    (ref_layanan_indikator). NIP only: the register's names are never loaded.
#}
with

layanan as (

    select * from {{ ref('stg_register__layanan') }}

),

layanan_indikator as (

    select * from {{ ref('ref_layanan_indikator') }}

),

indikator as (

    select
        jenis_layanan,
        string_agg(indicator_code, ',' order by indicator_code) as indicator_codes
    from layanan_indikator
    group by jenis_layanan

),

final as (

    select
        layanan.layanan_id,
        layanan.nomor_register,
        layanan.jenis_layanan,
        layanan.kategori,
        layanan.nip,
        layanan.opd_id,
        layanan.tanggal_usul,
        layanan.tmt,
        layanan.tanggal_sk,
        layanan.nomor_sk,
        layanan.status,
        layanan.hasil,
        layanan.tanggal_sk - layanan.tanggal_usul as hari_sampai_keputusan,
        layanan.status = 'selesai' as is_selesai,
        coalesce(
            layanan.tanggal_sk - layanan.tanggal_usul <= {{ var('layanan_standar_hari') }}, false
        ) as is_dalam_standar,
        coalesce(layanan.tanggal_sk < layanan.tmt, false) as is_sebelum_tmt,
        coalesce(layanan.tanggal_sk <= layanan.tmt, false) as is_paling_lambat_tmt,
        indikator.indicator_codes,
        layanan.source_file,
        layanan.load_batch_id
    from layanan
    left join indikator
        on layanan.jenis_layanan = indikator.jenis_layanan

)

select * from final
