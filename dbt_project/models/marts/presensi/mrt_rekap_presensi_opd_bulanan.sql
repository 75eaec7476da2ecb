{#
    Monthly attendance recap per perangkat daerah (OPD): employee x working-day cells by
    status, the share of cells that carry a status and whether the recap is complete for
    BPP-2 (int_presensi__opd_bulan; threshold var presensi_recap_complete_share).
#}
with

opd_bulan as (

    select * from {{ ref('int_presensi__opd_bulan') }}

),

final as (

    select
        {{ surrogate_key(['opd_id', 'month_id']) }} as rekap_presensi_opd_bulanan_id,
        opd_id,
        month_id,
        quarter_id,
        year_id,
        month_start,
        employees,
        working_days,
        employee_days,
        recorded_days,
        missing_days,
        unknown_status_days,
        hadir_days,
        tepat_waktu_days,
        terlambat_days,
        pulang_cepat_days,
        izin_days,
        sakit_days,
        cuti_days,
        dinas_luar_days,
        tanpa_keterangan_days,
        records_outside_service,
        round({{ safe_divide('hadir_days', 'employee_days') }}, 4) as hadir_share,
        recorded_share,
        complete_share_threshold,
        is_complete,
        load_batch_id
    from opd_bulan

)

select * from final
