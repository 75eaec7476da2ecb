{#
    Every kenaikan gaji berkala (KGB) that fell due, from var('iku_first_year') to the data
    date, with the SK that served it (if any). The basis of SMK-2, fct_kgb's due flags and
    mrt_kgb_tertunda.

    A KGB falls due every var('kgb_interval_tahun') (default 2) years after the previous one:
    after the TMT of the previous KGB SK in SIMPEG (tb_kgb), or after TMT CPNS for an
    employee's first. When a due KGB was never issued, the next one still falls due an
    interval later (masa kerja keeps running). It counts only for a PNS (not CPNS, not PPPK)
    in active service on the due date: the int_pegawai_versions version valid that day (macro
    version_valid_on). The OPD is that version's: the KGB counts in the OPD of its due date,
    also when the employee moved before the reference date (docs/indicators.md).
    - PNS on the due date = a version of a PNS or CPNS (not PPPK) with TMT PNS on or before
      the due date; the version's jenis_asn alone is not used. It is SIASN's STATUS CPNS PNS
      as of the export the version comes from, and SIASN can still say C after TMT PNS (the
      versions of the snapshots change at the first export that says P). The versions rebuilt
      from the riwayat before the first snapshot do turn PNS at TMT PNS, a change point of
      int_pegawai_versions.

    Decisions:
    - An SK serves a due KGB when its TMT falls in the same month as the due date (SIMPEG
      writes TMT KGB on the first of the month); when several SKs serve the same month (a
      corrected SK), the earliest-dated one counts.
    - On time = the SK is dated on or before the due date. Late = dated after it. Not issued
      = no SK at the data date (hari_terlambat then counts up to the data date).
    - A SIMPEG KGB whose TMT is off the expected schedule restarts the schedule from its TMT.
    - dasar_tmt_sebelumnya says what the due date was counted from: 'tmt_cpns', 'kgb' (the
      previous SK's TMT) or 'jatuh_tempo_tanpa_sk' (the previous due date, never served).
    - Only due dates up to the data date (the newest int_periods reference date) are kept.
#}
{{ config(materialized='table') }}

with

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

kgb as (

    select * from {{ ref('stg_simpeg__kgb') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

as_of as (

    select max(reference_date) as data_as_of
    from periods

),

pegawai as (

    select distinct on (nip)
        nip,
        tmt_cpns
    from versions
    where
        tmt_cpns is not null
        and nip in (
            select versions_pns.nip
            from versions as versions_pns
            where versions_pns.jenis_asn in ('PNS', 'CPNS') and versions_pns.tmt_pns is not null
        )
    order by nip asc, valid_from desc

),

kgb_bulan as (

    select distinct on (kgb.nip, date_trunc('month', kgb.tmt_kgb))
        kgb.kgb_id,
        kgb.nip,
        kgb.tmt_kgb,
        kgb.no_sk,
        kgb.tgl_sk,
        kgb.load_batch_id
    from kgb
    inner join pegawai
        on kgb.nip = pegawai.nip
    where date_trunc('month', kgb.tmt_kgb) > date_trunc('month', pegawai.tmt_cpns)
    order by kgb.nip asc, date_trunc('month', kgb.tmt_kgb) asc, kgb.tgl_sk asc nulls last, kgb.kgb_id asc

),

anchors as (

    select
        nip,
        tmt_cpns as anchor_date,
        'tmt_cpns' as anchor_source
    from pegawai
    union all
    select
        nip,
        tmt_kgb as anchor_date,
        'kgb' as anchor_source
    from kgb_bulan

),

bounded as (

    select
        anchors.*,
        lead(anchors.anchor_date) over (partition by anchors.nip order by anchors.anchor_date) as next_anchor
    from anchors

),

scheduled as (

    select
        row_number() over () as schedule_row,
        bounded.nip,
        case when steps.step = 1 then bounded.anchor_source else 'jatuh_tempo_tanpa_sk' end
            as dasar_tmt_sebelumnya,
        (bounded.anchor_date + make_interval(years => {{ var('kgb_interval_tahun') }} * (steps.step - 1)))::date
            as tmt_sebelumnya,
        (bounded.anchor_date + make_interval(years => {{ var('kgb_interval_tahun') }} * steps.step))::date
            as tmt_jatuh_tempo,
        as_of.data_as_of
    from bounded
    cross join as_of
    cross join lateral generate_series(1, 40) as steps (step)
    where
        (bounded.anchor_date + make_interval(years => {{ var('kgb_interval_tahun') }} * steps.step))::date
        <= as_of.data_as_of
        and (
            bounded.next_anchor is null
            or date_trunc(
                'month', bounded.anchor_date + make_interval(years => {{ var('kgb_interval_tahun') }} * steps.step)
            ) <= date_trunc('month', bounded.next_anchor)
        )

),

due as (

    -- the version valid on the due date, as a set-based join (a few versions per employee):
    -- the newest one when versions overlap
    select distinct on (scheduled.schedule_row)
        scheduled.*,
        versions.opd_id,
        versions.load_batch_id as pegawai_load_batch_id
    from scheduled
    inner join versions
        on
            {{ version_valid_on('versions', 'scheduled.nip', 'scheduled.tmt_jatuh_tempo') }}
            and versions.jenis_asn in ('PNS', 'CPNS')
            and scheduled.tmt_jatuh_tempo >= versions.tmt_pns
            and versions.is_active_service
    where scheduled.tmt_jatuh_tempo >= make_date({{ var('iku_first_year') }}, 1, 1)
    order by scheduled.schedule_row asc, versions.valid_from desc

),

final as (

    select
        {{ surrogate_key(['due.nip', 'due.tmt_jatuh_tempo']) }} as kgb_jatuh_tempo_id,
        due.nip,
        due.opd_id,
        due.tmt_jatuh_tempo,
        due.tmt_sebelumnya,
        due.dasar_tmt_sebelumnya,
        kgb_bulan.kgb_id,
        kgb_bulan.tmt_kgb,
        kgb_bulan.no_sk,
        kgb_bulan.tgl_sk,
        kgb_bulan.kgb_id is not null as is_terbit,
        coalesce(kgb_bulan.tgl_sk <= due.tmt_jatuh_tempo, false) as is_tepat_waktu,
        case
            when kgb_bulan.kgb_id is null then due.data_as_of - due.tmt_jatuh_tempo
            when kgb_bulan.tgl_sk > due.tmt_jatuh_tempo then kgb_bulan.tgl_sk - due.tmt_jatuh_tempo
            else 0
        end as hari_terlambat,
        due.data_as_of,
        coalesce(kgb_bulan.load_batch_id, due.pegawai_load_batch_id)::bigint as load_batch_id
    from due
    left join kgb_bulan
        on
            due.nip = kgb_bulan.nip
            and date_trunc('month', due.tmt_jatuh_tempo) = date_trunc('month', kgb_bulan.tmt_kgb)

)

select * from final
