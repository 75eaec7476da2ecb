{#
    Suspected disciplinary violation cases (register_dugaan_pelanggaran), one row per case:
    reported, examined (BAP), decided, with the days each step took. NIP only: the case's
    description and the person's name are never loaded.
#}
with

kasus as (

    select * from {{ ref('stg_register__dugaan_pelanggaran') }}

),

final as (

    select
        nomor_register,
        nip,
        opd_id,
        tanggal_laporan,
        sumber_laporan,
        jenis_dugaan,
        status_pemeriksaan,
        tanggal_pemeriksaan,
        tanggal_keputusan,
        nomor_keputusan,
        tingkat_hukuman,
        riwayat_hukdis_id,
        tanggal_pemeriksaan - tanggal_laporan as hari_sampai_pemeriksaan,
        tanggal_keputusan - tanggal_laporan as hari_sampai_keputusan,
        tanggal_pemeriksaan is not null as is_diperiksa,
        status_pemeriksaan in ('selesai', 'dihentikan') and tanggal_keputusan is not null as is_ditutup,
        load_batch_id
    from kasus

)

select * from final
