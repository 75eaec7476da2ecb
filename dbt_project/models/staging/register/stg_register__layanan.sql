with

source as (

    select * from {{ source('register', 'register_layanan') }}

),

renamed as (

    select
        {{ surrogate_key(['jenis_layanan', 'nomor_register']) }} as layanan_id,
        nomor_register,
        tanggal_usul,
        upper(jenis_layanan) as jenis_layanan,
        kategori,
        nip,
        opd_id,
        tmt,
        tanggal_sk,
        nomor_sk,
        lower(status) as status,
        hasil,
        keterangan,
        _source_file as source_file,
        _batch_id as load_batch_id
    from source

)

select * from renamed
