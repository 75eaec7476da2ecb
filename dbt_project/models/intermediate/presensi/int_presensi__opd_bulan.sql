{#
    Attendance recap per perangkat daerah (OPD) and month: the employee x working-day cells
    of fct_presensi_harian (the grid, built once in marts_build), by the OPD of each day, and
    whether the recap is complete for BPP-2 (Jumlah Laporan Kehadiran Pegawai Seluruh OPD).

    Decisions:
    - Only expected cells (employee in active service that day) count in employee_days and in
      the status counts; records of employees out of service are counted apart
      (records_outside_service). An OPD-month with such records only has employees = 0 and is
      never a BPP-2 candidate.
    - A cell carries a status when its code is in ref_status_presensi (has_status); a record
      with an unknown code does not make the recap complete.
    - is_complete: recorded_days >= var('presensi_recap_complete_share') (default 0.98) x
      employee_days, compared exactly in numeric, and employee_days > 0.
    - The running month counts the working days up to the coverage end (newest data day).
    - Built incrementally by month (macros/incremental_months.sql).
#}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_months',
    month_date_column='month_start',
    pre_hook=["set local work_mem = '256MB'"],
    post_hook=['{{ record_built_months() }}']
) }}
-- depends_on: {{ ref('int_presensi__bulan_sumber') }}
{%- set months = months_to_rebuild() if is_incremental() else none %}

with

cells as (

    select * from {{ ref('fct_presensi_harian') }}

),

cells_to_build as not materialized (

    -- the cells with an OPD in the months to build (all months on a full build); read by both
    -- aggregates below, each in its own scan
    select *
    from cells
    where
        opd_id is not null
        {%- if months is not none %}
            and {{ in_months('tanggal', months) }}
        {%- endif %}

),

by_day as (

    -- per OPD and day: the counts. Two parallel hash aggregates (this one and by_employee)
    -- replace counting distinct days and employees per OPD-month, which sorted the whole grid
    -- (18 s against under 3 s at scale 1).
    select
        opd_id,
        month_id,
        tanggal,
        min(quarter_id) as quarter_id,
        min(year_id) as year_id,
        count(*) filter (where is_expected) as employee_days,
        count(*) filter (where is_expected and has_status) as recorded_days,
        count(*) filter (where is_missing) as missing_days,
        count(*) filter (where is_expected and is_unknown_status) as unknown_status_days,
        count(*) filter (where is_expected and is_hadir) as hadir_days,
        count(*) filter (where is_expected and status_kode = 'H') as tepat_waktu_days,
        count(*) filter (where is_expected and status_kode = 'TL') as terlambat_days,
        count(*) filter (where is_expected and status_kode = 'PSW') as pulang_cepat_days,
        count(*) filter (where is_expected and status_kode = 'I') as izin_days,
        count(*) filter (where is_expected and status_kode = 'S') as sakit_days,
        count(*) filter (where is_expected and status_kode = 'C') as cuti_days,
        count(*) filter (where is_expected and status_kode = 'DL') as dinas_luar_days,
        count(*) filter (where is_expected and is_tanpa_keterangan) as tanpa_keterangan_days,
        count(*) filter (where not is_expected) as records_outside_service,
        max(load_batch_id) as load_batch_id
    from cells_to_build
    group by opd_id, month_id, tanggal

),

by_employee as (

    -- per OPD and month, the employees expected on at least one of its days
    select
        opd_id,
        month_id,
        count(*) as employees
    from (
        select
            opd_id,
            month_id,
            nip
        from cells_to_build
        where is_expected
        group by opd_id, month_id, nip
    ) as opd_month_nip
    group by opd_id, month_id

),

aggregated as (

    select
        by_day.opd_id,
        by_day.month_id,
        min(by_day.quarter_id) as quarter_id,
        min(by_day.year_id) as year_id,
        date_trunc('month', min(by_day.tanggal))::date as month_start,
        -- one figure per OPD-month, the same on each of its day rows
        coalesce(min(by_employee.employees), 0) as employees,
        count(*) filter (where by_day.employee_days > 0) as working_days,
        {%- for column in [
            'employee_days', 'recorded_days', 'missing_days', 'unknown_status_days',
            'hadir_days', 'tepat_waktu_days', 'terlambat_days', 'pulang_cepat_days', 'izin_days',
            'sakit_days', 'cuti_days', 'dinas_luar_days', 'tanpa_keterangan_days',
            'records_outside_service'
        ] %}
            sum(by_day.{{ column }})::bigint as {{ column }},
        {%- endfor %}
        max(by_day.load_batch_id) as load_batch_id
    from by_day
    left join by_employee
        on
            by_day.opd_id = by_employee.opd_id
            and by_day.month_id = by_employee.month_id
    group by by_day.opd_id, by_day.month_id

),

final as (

    select
        *,
        round({{ safe_divide('recorded_days', 'employee_days') }}, 4) as recorded_share,
        {{ var('presensi_recap_complete_share') }}::numeric as complete_share_threshold,
        employee_days > 0
        and recorded_days >= {{ var('presensi_recap_complete_share') }}::numeric * employee_days as is_complete
    from aggregated

)

select * from final
