{#
    The units' documents and reports (register_dokumen): one row per document and period it
    covers, with the indicator it serves (the register's KODE IKU, else ref_dokumen_indikator),
    and whether it was submitted and validated, and by its due date.
#}
with

dokumen as (

    select * from {{ ref('stg_register__dokumen') }}

),

dokumen_indikator as (

    select * from {{ ref('ref_dokumen_indikator') }}

),

final as (

    select
        dokumen.dokumen_id,
        dokumen.unit_kerja,
        coalesce(dokumen.indicator_code, dokumen_indikator.indicator_code) as indicator_code,
        case
            when dokumen.indicator_code is not null then 'register'
            when dokumen_indikator.indicator_code is not null then 'ref_dokumen_indikator'
        end as indicator_code_source,
        dokumen.jenis_dokumen,
        dokumen.judul_dokumen,
        dokumen.tahun,
        dokumen.bulan,
        dokumen.triwulan,
        dokumen.batas_waktu,
        dokumen.tanggal_disampaikan,
        dokumen.tanggal_divalidasi,
        dokumen.validator,
        dokumen.nomor_dokumen,
        dokumen.tanggal_disampaikan is not null as is_disampaikan,
        coalesce(dokumen.tanggal_disampaikan <= dokumen.batas_waktu, false) as is_disampaikan_tepat_waktu,
        dokumen.tanggal_divalidasi is not null as is_divalidasi,
        coalesce(dokumen.tanggal_divalidasi <= dokumen.batas_waktu, false) as is_divalidasi_tepat_waktu,
        greatest(dokumen.tanggal_disampaikan - dokumen.batas_waktu, 0) as hari_terlambat_disampaikan,
        dokumen.load_batch_id
    from dokumen
    left join dokumen_indikator
        on dokumen.jenis_dokumen = dokumen_indikator.jenis_dokumen

)

select * from final
