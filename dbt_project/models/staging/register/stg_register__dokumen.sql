with

source as (

    select * from {{ source('register', 'register_dokumen') }}

),

renamed as (

    select
        {{ surrogate_key(['unit_kerja', 'jenis_dokumen', 'tahun', 'bulan', 'triwulan']) }} as dokumen_id,
        unit_kerja,
        upper(nullif(trim(indicator_code), '')) as indicator_code,
        upper(jenis_dokumen) as jenis_dokumen,
        judul_dokumen,
        tahun,
        bulan,
        triwulan,
        batas_waktu,
        tanggal_disampaikan,
        tanggal_divalidasi,
        validator,
        nomor_dokumen,
        keterangan,
        _batch_id as load_batch_id
    from source

)

select * from renamed
