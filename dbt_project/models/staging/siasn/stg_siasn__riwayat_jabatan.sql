with

source as (

    select * from {{ source('siasn', 'riwayat_jabatan') }}

),

renamed as (

    select
        id as riwayat_jabatan_id,
        nip_baru as nip,
        jenis_jabatan_id,
        jabatan_id,
        jabatan_nama,
        nullif(eselon_id, '99') as eselon_id,
        unor_id,
        opd_id,
        lower(coalesce(status_jabatan, 'definitif')) as status_jabatan,
        lower(coalesce(status_jabatan, 'definitif')) in ('plt', 'plh') as is_pelaksana_tugas,
        tmt_jabatan,
        tmt_pelantikan,
        no_sk,
        tgl_sk,
        _batch_id as load_batch_id
    from source

)

select * from renamed
