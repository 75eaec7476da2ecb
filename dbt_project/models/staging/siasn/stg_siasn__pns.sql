{#
    Every kept SIASN PNS export, renamed and typed, with the NIP parsed (birth date, TMT CPNS and
    gender digits) so that its consistency can be checked. One row per employee and export file
    (snapshot_date: the export's as-of date, from the file name).
#}
with

source as (

    select * from {{ source('siasn', 'siasn_pns') }}

),

renamed as (

    select
        nip_baru as nip,
        pns_id,
        _as_of_date as snapshot_date,
        _batch_id as load_batch_id,
        _source_file as source_file,
        tanggal_lahir,
        jenis_kelamin,
        jenis_pegawai_id,
        status_cpns_pns,
        kedudukan_hukum_id,
        gol_akhir_id as golongan_id,
        tmt_golongan,
        tmt_cpns,
        tmt_pns,
        jenis_jabatan_id,
        jabatan_id,
        jabatan_nama,
        tmt_jabatan,
        nullif(eselon_id, '99') as eselon_id,
        tingkat_pendidikan_id,
        tahun_lulus,
        satuan_kerja_kerja_id as opd_id,
        satuan_kerja_kerja_nama as opd_nama,
        unor_id,
        unor_nama,
        {{ nip_birth_date('nip_baru') }} as nip_tanggal_lahir,
        {{ nip_tmt_cpns('nip_baru') }} as nip_tmt_cpns,
        {{ nip_gender('nip_baru') }} as nip_jenis_kelamin
    from source

)

select * from renamed
