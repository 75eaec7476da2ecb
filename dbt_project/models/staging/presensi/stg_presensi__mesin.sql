with

source as (

    select * from {{ source('presensi', 'presensi_mesin') }}

),

renamed as (

    select
        sn_mesin,
        pin,
        nip,
        waktu as waktu_scan,
        waktu::date as tanggal,
        lower(verifikasi) as verifikasi,
        status_scan,
        _source_file as source_file,
        _source_line as source_line,
        _batch_id as load_batch_id
    from source

)

select * from renamed
