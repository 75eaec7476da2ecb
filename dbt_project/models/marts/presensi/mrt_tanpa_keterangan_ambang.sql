{#
    Employees whose unexcused absence (tanpa keterangan, TK) reaches a threshold of PP 94/2021
    in a calendar year, with the sanction the rule suggests and whether a hukuman disiplin SK
    of that year exists (stg_siasn__riwayat_hukdis). A list to follow up, not a finding: raw
    e-presensi TK days must be verified (no excuse filed late, no machine failure) before they
    count as "tidak masuk kerja tanpa alasan yang sah".

    Decisions:
    - TK days are expected cells of fct_presensi_harian (employee in active service on a
      working day) whose status has is_tanpa_keterangan; counted per calendar year.
    - Consecutive: TK days on consecutive working days (int_calendar_days.working_day_number),
      so a run goes on across weekends, holidays and cuti bersama; any other working day (a
      status, or no record at all) ends it. A run is followed across 1 January:
      max_consecutive_tk_days is the longest run length reached on a TK day of the year.
    - Thresholds (cumulative days in the year -> sanction; 10 consecutive working days ->
      pemberhentian) come from the seed ref_ambang_tanpa_keterangan (basis, min_days,
      max_days, jenis_hukuman_id), which a steward may adjust. When both rules
      apply, the heavier sanction (higher jenis_hukuman_id) is suggested.
    - has_discipline_case: a hukuman disiplin SK dated from the year's first TK day to the end
      of the next year (a December absence is often sanctioned in January), for whatever
      reason (SIASN does not say which violation an SK punishes), or a case registered in
      register_dugaan_pelanggaran since that day (open or closed). Those without one are
      the follow-up list: filter on not has_discipline_case.
    - opd_id: the OPD of the employee's last TK day of the year.
#}
with

harian as (

    select * from {{ ref('fct_presensi_harian') }}

),

hukdis as (

    select * from {{ ref('stg_siasn__riwayat_hukdis') }}

),

jenis_hukuman as (

    select * from {{ ref('ref_jenis_hukuman') }}

),

dugaan as (

    select * from {{ ref('stg_register__dugaan_pelanggaran') }}

),

-- PP 94/2021 thresholds for tidak masuk kerja tanpa alasan yang sah
ambang as (

    select * from {{ ref('ref_ambang_tanpa_keterangan') }}

),

tk_days as (

    select
        nip,
        tanggal,
        year_id,
        opd_id,
        working_day_number,
        load_batch_id
    from harian
    where
        is_expected
        and is_tanpa_keterangan

),

runs as (

    select
        *,
        working_day_number - row_number() over (partition by nip order by working_day_number) as run_key
    from tk_days

),

positioned as (

    select
        *,
        row_number() over (partition by nip, run_key order by working_day_number) as run_position
    from runs

),

per_year as (

    select
        nip,
        year_id,
        count(*) as tk_days,
        max(run_position) as max_consecutive_tk_days,
        min(tanggal) as first_tk_date,
        max(tanggal) as last_tk_date,
        (array_agg(opd_id order by tanggal desc))[1] as opd_id,
        max(load_batch_id) as load_batch_id
    from positioned
    group by nip, year_id

),

matched as (

    select
        per_year.nip,
        per_year.year_id,
        ambang.basis,
        ambang.min_days,
        ambang.max_days,
        ambang.jenis_hukuman_id
    from per_year
    inner join ambang
        on
            (
                ambang.basis = 'kumulatif'
                and per_year.tk_days >= ambang.min_days
                and (ambang.max_days is null or per_year.tk_days <= ambang.max_days)
            )
            or (
                ambang.basis = 'berturut_turut'
                and per_year.max_consecutive_tk_days >= ambang.min_days
            )

),

heaviest as (

    select distinct on (nip, year_id)
        nip,
        year_id,
        basis,
        min_days,
        max_days,
        jenis_hukuman_id
    from matched
    order by nip asc, year_id asc, jenis_hukuman_id desc, basis desc

),

rules_reached as (

    select
        nip,
        year_id,
        bool_or(basis = 'kumulatif') as reaches_cumulative_threshold,
        bool_or(basis = 'berturut_turut') as reaches_consecutive_threshold
    from matched
    group by nip, year_id

),

cases as (

    -- an SK dated from the year's first TK day until the end of the next year: the sanction for
    -- a December absence is often signed in the new year
    select
        per_year.nip,
        per_year.year_id,
        count(*) as discipline_sk_count,
        max(hukdis.jenis_hukuman_id) as heaviest_case_jenis_hukuman_id
    from per_year
    inner join hukdis
        on
            per_year.nip = hukdis.nip
            and per_year.first_tk_date <= hukdis.sk_tanggal
            and hukdis.sk_tanggal < make_date(per_year.year_id::integer + 2, 1, 1)
    group by per_year.nip, per_year.year_id

),

reported as (

    -- a suspected-violation case registered since the year's first TK day (open or closed)
    select distinct
        per_year.nip,
        per_year.year_id
    from per_year
    inner join dugaan
        on
            per_year.nip = dugaan.nip
            and per_year.first_tk_date <= dugaan.tanggal_laporan

),

final as (

    select
        {{ surrogate_key(['per_year.nip', 'per_year.year_id']) }} as tanpa_keterangan_ambang_id,
        per_year.nip,
        per_year.year_id,
        per_year.opd_id,
        per_year.tk_days,
        per_year.max_consecutive_tk_days,
        per_year.first_tk_date,
        per_year.last_tk_date,
        rules_reached.reaches_cumulative_threshold,
        rules_reached.reaches_consecutive_threshold,
        heaviest.basis as threshold_basis,
        heaviest.min_days as threshold_min_days,
        heaviest.max_days as threshold_max_days,
        heaviest.jenis_hukuman_id as suggested_jenis_hukuman_id,
        jenis_hukuman.jenis_hukuman_nama as suggested_sanksi,
        jenis_hukuman.tingkat_hukuman_nama as suggested_tingkat_hukuman,
        cases.nip is not null or reported.nip is not null as has_discipline_case,
        coalesce(cases.discipline_sk_count, 0) as discipline_sk_count,
        reported.nip is not null as has_dugaan_pelanggaran_case,
        cases.heaviest_case_jenis_hukuman_id,
        per_year.load_batch_id
    from per_year
    inner join heaviest
        on
            per_year.nip = heaviest.nip
            and per_year.year_id = heaviest.year_id
    inner join rules_reached
        on
            per_year.nip = rules_reached.nip
            and per_year.year_id = rules_reached.year_id
    left join jenis_hukuman
        on heaviest.jenis_hukuman_id = jenis_hukuman.jenis_hukuman_id
    left join cases
        on
            per_year.nip = cases.nip
            and per_year.year_id = cases.year_id
    left join reported
        on
            per_year.nip = reported.nip
            and per_year.year_id = reported.year_id

)

select * from final
