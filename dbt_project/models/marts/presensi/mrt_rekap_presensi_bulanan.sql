{#
    Monthly attendance recap per employee and OPD: the expected cells of fct_presensi_harian
    (employee in active service on a working day) counted by status. An employee who moves to
    another OPD during the month has one row per OPD, each with the days spent there.
    Built incrementally by month (macros/incremental_months.sql), with work_mem for a hash
    aggregate (about 0.5 million groups at scale 1; a sort spilled 300 MB to disk).
#}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_months',
    month_date_column='first_day',
    pre_hook=["set local work_mem = '256MB'"],
    post_hook=['{{ record_built_months() }}']
) }}
-- depends_on: {{ ref('int_presensi__bulan_sumber') }}
{%- set months = months_to_rebuild() if is_incremental() else none %}
with

harian as (

    select * from {{ ref('fct_presensi_harian') }}

),

aggregated as (

    select
        nip,
        opd_id,
        month_id,
        min(quarter_id) as quarter_id,
        min(year_id) as year_id,
        min(tanggal) as first_day,
        max(tanggal) as last_day,
        count(*) as working_days,
        count(*) filter (where has_status) as recorded_days,
        count(*) filter (where is_missing) as missing_days,
        count(*) filter (where is_unknown_status) as unknown_status_days,
        count(*) filter (where is_hadir) as hadir_days,
        count(*) filter (where status_kode = 'H') as tepat_waktu_days,
        count(*) filter (where status_kode = 'TL') as terlambat_days,
        count(*) filter (where status_kode = 'PSW') as pulang_cepat_days,
        count(*) filter (where status_kode = 'I') as izin_days,
        count(*) filter (where status_kode = 'S') as sakit_days,
        count(*) filter (where status_kode = 'C') as cuti_days,
        count(*) filter (where status_kode = 'DL') as dinas_luar_days,
        count(*) filter (where is_tanpa_keterangan) as tanpa_keterangan_days,
        max(load_batch_id) as load_batch_id
    from harian
    where
        is_expected
        {%- if months is not none %}
            and {{ in_months('tanggal', months) }}
        {%- endif %}
    group by nip, opd_id, month_id

),

final as (

    select
        {{ surrogate_key(['nip', 'opd_id', 'month_id']) }} as rekap_presensi_bulanan_id,
        *,
        round({{ safe_divide('hadir_days', 'working_days') }}, 4) as hadir_share
    from aggregated

)

select * from final
