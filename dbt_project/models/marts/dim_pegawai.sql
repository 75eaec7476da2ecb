{#
    Employees as SCD2: one row per employee version, valid from valid_from until valid_to
    (exclusive; null while current). NIP is the only identifier: names, NIK, birth dates,
    addresses and phones never reach the marts.
#}
with

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

final as (

    select
        pegawai_version_id,
        nip,
        valid_from,
        valid_to,
        is_current,
        version_source,
        jenis_asn,
        jenis_pegawai_id,
        status_cpns_pns,
        kedudukan_hukum_id,
        is_active_service,
        opd_id,
        unor_id,
        jenis_jabatan_id,
        jabatan_id,
        jabatan_nama,
        eselon_id,
        eselon_level,
        is_pelaksana_tugas,
        fungsional_kelompok,
        golongan_key,
        tmt_golongan,
        tingkat_pendidikan_id,
        tmt_cpns,
        tmt_pns,
        tmt_jabatan,
        snapshot_date,
        load_batch_id
    from versions

)

select * from final
