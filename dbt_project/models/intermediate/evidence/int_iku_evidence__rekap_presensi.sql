{#
    BPP-2: Jumlah Laporan Kehadiran Pegawai Seluruh OPD yang dikelola per tahun. Catalog
    formula: OPD x month attendance recaps that are complete, i.e. at least
    var('presensi_recap_complete_share') (default 0.98) of the OPD's employee x working-day
    cells of the month carry a status.

    Decisions:
    - Subject: one OPD-month (subject_type 'opd_bulan', subject_id '<opd_id>/<yyyy-mm>').
      Candidates are the OPD-months with at least one employee in active service on a working
      day (int_presensi__opd_bulan.employee_days > 0) in a month for which attendance was
      delivered (int_presensi__bulan_sumber.batch_count > 0: the raw load batches hold
      records of the month). An OPD without employees that month is no candidate.
    - A month with no attendance delivered has no candidates: before the e-presensi data
      starts, after the newest attendance day (the coverage runs on to the newest SIASN
      snapshot, whose cells are all missing), or when no attendance was ever delivered. Its
      BPP-2 is then null with its reason in fct_iku ('no records for this period: the source
      was not delivered for it'), never 0. An OPD whose cells of a delivered month are all
      missing is a candidate, not complete.
    - An OPD-month counts for its month, its quarter and its year: three rows per subject,
      numerator 1 when complete, denominator 1 (a count, unit jumlah).
    - opd_id is the OPD, although the catalog reports BPP-2 for the agency only.
#}
with

opd_bulan as (

    select * from {{ ref('int_presensi__opd_bulan') }}

),

bulan_sumber as (

    select * from {{ ref('int_presensi__bulan_sumber') }}

),

candidates as (

    select opd_bulan.*
    from opd_bulan
    inner join bulan_sumber
        on opd_bulan.month_id = bulan_sumber.month_id
    where
        opd_bulan.employee_days > 0
        and bulan_sumber.batch_count > 0

),

period_levels as (

    select
        candidates.month_id as period_id,
        candidates.*
    from candidates
    union all
    select
        candidates.quarter_id as period_id,
        candidates.*
    from candidates
    union all
    select
        candidates.year_id as period_id,
        candidates.*
    from candidates

),

evidence as (

    select
        'BPP-2' as indicator_code,
        period_id,
        opd_id,
        'opd_bulan' as subject_type,
        opd_id || '/' || month_id as subject_id,
        null::text as nip,
        is_complete as in_numerator,
        true as in_denominator,
        load_batch_id
    from period_levels

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
