{#
    Regular promotions (kenaikan pangkat reguler) falling due: one row per golongan an employee
    held (riwayat_golongan, plus the golongan of the current version when the riwayat lacks it),
    with the KP period in which the next regular promotion falls due, whether it did fall due,
    and the promotion that followed, if any.

    Decisions (PP 99/2000 as amended by PP 12/2002; the MUT-3 row of the catalog seed):
    - eligible_from: TMT golongan + var('kp_reguler_tahun') (default 4) years in the golongan.
    - due_date: the first KP date on or after eligible_from (ref_periode_kp: 1 April and 1
      October before 2024, six dates a year since 2024), the TMT the promotion should carry.
      The KP period runs from due_date to the day before the next KP date (due_period_end,
      exclusive).
    - jalur_kp, from the version valid on due_date (macro version_valid_on): 'struktural' for
      a structural post (an eselon, or a jenis jabatan ref_jenis_jabatan marks structural),
      'fungsional' for a jabatan fungsional tertentu, 'reguler' for the other known jenis
      jabatan (pelaksana, fungsional umum); null when the employee has no version then or the
      jenis jabatan is unknown (not read as pelaksana; checks_..._warn counts them). Structural
      officials rise by pilihan within their echelon's range, functional officials by pilihan
      on angka kredit: only 'reguler' falls due under this rule. A Plt/Plh is classed by the
      post the version holds (SIASN lists no other).
    - is_due: on due_date the employee is a PNS (not CPNS, not PPPK) in active service, on the
      'reguler' jalur, the golongan is below the ceiling of regular promotion for the
      education held that day, and no promotion came before due_date (a promotion by another
      route, e.g. pilihan, before the KP period means none fell due).
    - is_tepat_waktu: due, and the next golongan's TMT falls in the KP period in which it fell
      due (due_date <= TMT < due_period_end). A later TMT is late; none is not (yet) promoted.
      The promotion is counted once, in the KP period in which it fell due.
    - Ceiling of regular promotion by education (Keputusan Kepala BKN 12/2002 implementing PP
      99/2000 as amended by PP 12/2002): SD II/a; SLTP II/c; SLTP Kejuruan II/d;
      SLTA/SLTA Kejuruan/SLTA Keguruan/D-I/D-II III/b; D-III III/c; D-IV/S-1 III/d;
      Profesi/S-2/Spesialis IV/a; Subspesialis/S-3 IV/b. Kept inline until a seed holds it
      (a steward decision); an unknown education gets no ceiling.
    - The golongan is decoded by kind + id (PNS-<id>): PPPK ids collide with PNS ids and PPPK
      are not promoted this way.
    - opd_id: the OPD of the version valid on due_date (an event counts in the OPD of its date,
      docs/indicators.md).
#}
with

riwayat_golongan as (

    select * from {{ ref('stg_siasn__riwayat_golongan') }}

),

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

golongan as (

    select * from {{ ref('ref_golongan') }}

),

jenis_jabatan as (

    select * from {{ ref('ref_jenis_jabatan') }}

),

periode_kp as (

    select * from {{ ref('ref_periode_kp') }}

),

ceiling as (

    select
        tingkat_pendidikan_id,
        golongan_maks_id
    from (
        values
        ('05', '21'),
        ('10', '23'),
        ('12', '24'),
        ('15', '32'),
        ('17', '32'),
        ('18', '32'),
        ('20', '32'),
        ('25', '32'),
        ('30', '33'),
        ('35', '34'),
        ('40', '34'),
        ('42', '41'),
        ('45', '41'),
        ('47', '41'),
        ('49', '42'),
        ('50', '42')
    ) as ceiling_values (tingkat_pendidikan_id, golongan_maks_id)

),

current_golongan as (

    select
        nip,
        golongan_id,
        tmt_golongan,
        load_batch_id
    from versions
    where is_current and golongan_id is not null and tmt_golongan is not null

),

held as (

    select distinct on (nip, tmt_golongan)
        nip,
        golongan_id,
        tmt_golongan,
        load_batch_id
    from (
        select
            nip,
            golongan_id,
            tmt_golongan,
            load_batch_id,
            1 as source_rank
        from riwayat_golongan
        where tmt_golongan is not null
        union all
        select
            nip,
            golongan_id,
            tmt_golongan,
            load_batch_id,
            2 as source_rank
        from current_golongan
    ) as both_sources
    order by nip asc, tmt_golongan asc, source_rank asc

),

episodes as (

    select
        row_number() over () as episode_row,
        nip,
        golongan_id,
        tmt_golongan,
        load_batch_id,
        (tmt_golongan + make_interval(years => {{ var('kp_reguler_tahun', 4) }}))::date as eligible_from,
        lead(tmt_golongan) over (partition by nip order by tmt_golongan) as next_tmt_golongan,
        lead(golongan_id) over (partition by nip order by tmt_golongan) as next_golongan_id
    from held

),

kp_dates as (

    -- every KP date from the year before the first eligible_from to two years after the last,
    -- so that each one has a KP date on either side (distinct: two rules may share a month)
    select distinct make_date(years.tahun, periode_kp.bulan, 1) as kp_date
    from (
        select
            generate_series(
                min(extract(year from eligible_from))::integer - 1,
                max(extract(year from eligible_from))::integer + 2
            ) as tahun
        from episodes
    ) as years
    inner join periode_kp
        on
            years.tahun >= coalesce(periode_kp.tahun_mulai, years.tahun)
            and years.tahun <= coalesce(periode_kp.tahun_sampai, years.tahun)

),

kp_periods as (

    select
        kp_date,
        lag(kp_date) over (order by kp_date) as previous_kp_date,
        lead(kp_date) over (order by kp_date) as next_kp_date
    from kp_dates

),

scheduled as (

    -- the KP period in which each promotion falls due: the first KP date on or after
    -- eligible_from (previous KP date < eligible_from <= KP date)
    select
        episodes.*,
        kp_periods.kp_date as due_date,
        kp_periods.next_kp_date as due_period_end
    from episodes
    left join kp_periods
        on
            episodes.eligible_from > kp_periods.previous_kp_date
            and episodes.eligible_from <= kp_periods.kp_date

),

at_due as (

    -- the version valid on the due date, as a set-based join (a few versions per employee);
    -- none when no version covers it
    select distinct on (scheduled.episode_row)
        scheduled.*,
        versions.nip is not null as has_version_at_due,
        versions.jenis_asn,
        versions.is_active_service,
        versions.opd_id,
        versions.tingkat_pendidikan_id,
        versions.jenis_jabatan_id,
        versions.eselon_id,
        versions.eselon_level
    from scheduled
    left join versions
        on {{ version_valid_on('versions', 'scheduled.nip', 'scheduled.due_date') }}
    order by scheduled.episode_row asc, versions.valid_from desc

),

classified as (

    select
        at_due.*,
        case
            when not at_due.has_version_at_due then null
            when at_due.eselon_level is not null or jenis_jabatan.is_struktural then 'struktural'
            when jenis_jabatan.is_fungsional_tertentu then 'fungsional'
            when jenis_jabatan.jenis_jabatan_id is not null then 'reguler'
        end as jalur_kp,
        coalesce(ceiling.golongan_maks_id, '45') as golongan_maks_id,
        coalesce(
            at_due.jenis_asn = 'PNS'
            and at_due.is_active_service
            and held_golongan.urutan < maks_golongan.urutan
            and (at_due.next_tmt_golongan is null or at_due.next_tmt_golongan >= at_due.due_date),
            false
        ) as is_pns_below_ceiling
    from at_due
    left join jenis_jabatan
        on at_due.jenis_jabatan_id = jenis_jabatan.jenis_jabatan_id
    left join ceiling
        on at_due.tingkat_pendidikan_id = ceiling.tingkat_pendidikan_id
    left join golongan as held_golongan
        on held_golongan.golongan_key = 'PNS-' || at_due.golongan_id
    left join golongan as maks_golongan
        on maks_golongan.golongan_key = 'PNS-' || coalesce(ceiling.golongan_maks_id, '45')

),

final as (

    select
        nip,
        opd_id,
        'PNS-' || golongan_id as golongan_key,
        tmt_golongan,
        eligible_from,
        due_date,
        due_period_end,
        jenis_asn as jenis_asn_at_due,
        jenis_jabatan_id as jenis_jabatan_id_at_due,
        eselon_id as eselon_id_at_due,
        jalur_kp,
        tingkat_pendidikan_id as tingkat_pendidikan_id_at_due,
        'PNS-' || golongan_maks_id as golongan_maks_key,
        next_tmt_golongan,
        'PNS-' || next_golongan_id as next_golongan_key,
        is_pns_below_ceiling and coalesce(jalur_kp = 'reguler', false) as is_due,
        is_pns_below_ceiling
        and coalesce(jalur_kp = 'reguler', false)
        and coalesce(next_tmt_golongan >= due_date and next_tmt_golongan < due_period_end, false)
            as is_tepat_waktu,
        load_batch_id
    from classified

)

select * from final
