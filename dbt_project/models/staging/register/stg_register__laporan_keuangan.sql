with

source as (

    select * from {{ source('register', 'laporan_keuangan') }}

),

renamed as (

    select
        {{ surrogate_key(['jenis_laporan', 'tahun', 'bulan', 'triwulan']) }} as laporan_keuangan_id,
        upper(jenis_laporan) as jenis_laporan,
        tahun,
        bulan,
        triwulan,
        batas_waktu,
        tanggal_disampaikan,
        nomor_surat,
        anggaran,
        realisasi,
        keterangan,
        _batch_id as load_batch_id
    from source

)

select * from renamed
