{#
    Attendance per employee and working day: the cells of int_presensi__pegawai_hari, with
    the OPD of the day, the daily status and its flags from ref_status_presensi, and a flag
    for a working day the employee owed a status and has none (is_missing). NIP only.
    Volume: employees x working days (3.8 million rows, about 0.8 GB, for the three demo years
    at scale 1), hence a table with a unique index on (tanggal, nip) and no file names (the
    load batch leads to the file in the audit schema). Built incrementally by month: only the
    months whose sources changed are copied again (macros/incremental_months.sql).
#}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_months',
    month_date_column='tanggal',
    indexes=[{'columns': ['tanggal', 'nip'], 'unique': true}],
    post_hook=['{{ record_built_months() }}']
) }}
-- depends_on: {{ ref('int_presensi__bulan_sumber') }}
{%- set months = months_to_rebuild() if is_incremental() else none %}

with

cells as (

    select * from {{ ref('int_presensi__pegawai_hari') }}

),

final as (

    select
        presensi_harian_id,
        nip,
        tanggal,
        year_id,
        quarter_id,
        month_id,
        working_day_number,
        opd_id,
        pegawai_version_id,
        is_expected,
        status_kode,
        has_status,
        is_unknown_status,
        is_missing,
        is_hadir,
        is_tanpa_keterangan,
        jam_masuk,
        jam_pulang,
        load_batch_id
    from cells
    {%- if months is not none %}
        where {{ in_months('tanggal', months) }}
    {%- endif %}

)

select * from final
