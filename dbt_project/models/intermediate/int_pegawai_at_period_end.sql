{#
    ASN in active service at the reference date of each year and quarter: the employee
    version valid that day, if its kedudukan hukum counts as active service
    (ref_kedudukan_hukum.is_active_service) and no pemberhentian took effect by then, and the
    employee was appointed by then (tmt_pengangkatan: TMT CPNS, or for a PPPK without one the
    first export listing them). The population of most records indicators.
#}
{{ config(materialized='table') }}

with

periods as (

    select * from {{ ref('int_periods') }}

),

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

active as (

    select
        periods.period_id,
        periods.period_type,
        periods.period_year,
        periods.period_start,
        periods.period_end,
        periods.reference_date,
        versions.nip,
        versions.pegawai_version_id,
        versions.opd_id,
        versions.unor_id,
        versions.jenis_asn,
        versions.jenis_jabatan_id,
        versions.jabatan_id,
        versions.jabatan_nama,
        versions.eselon_id,
        versions.eselon_level,
        versions.is_pelaksana_tugas,
        versions.fungsional_kelompok,
        versions.golongan_key,
        versions.tmt_golongan,
        versions.tingkat_pendidikan_id,
        versions.tmt_cpns,
        versions.load_batch_id
    from periods
    inner join versions
        on
            periods.reference_date >= versions.valid_from
            and (versions.valid_to is null or periods.reference_date < versions.valid_to)
    where
        periods.period_type in ('year', 'quarter')
        and versions.is_active_service
        and versions.tmt_pengangkatan <= periods.reference_date

)

select * from active
