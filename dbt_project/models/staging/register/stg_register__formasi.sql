with

source as (

    select * from {{ source('register', 'register_formasi') }}

),

renamed as (

    select
        {{ surrogate_key(['tahun', 'jenis_pengadaan', 'opd_id', 'jabatan']) }} as formasi_id,
        tahun,
        upper(jenis_pengadaan) as jenis_pengadaan,
        opd_id,
        opd_nama,
        jabatan,
        kualifikasi_pendidikan,
        formasi,
        pelamar,
        lulus,
        nip_ditetapkan,
        tanggal_penetapan,
        tanggal_pengumuman,
        keterangan,
        _batch_id as load_batch_id
    from source

)

select * from renamed
