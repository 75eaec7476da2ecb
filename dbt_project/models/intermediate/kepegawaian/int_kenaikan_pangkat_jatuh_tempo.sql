{#
    Regular promotions (kenaikan pangkat reguler) falling due: one row per golongan an employee
    held (riwayat_golongan, plus the golongan of the newest snapshot when the riwayat lacks it),
    with the date the next regular promotion falls due (TMT golongan + var('kp_reguler_tahun'),
    default 4 years) and the promotion that followed, if any.

    Decisions:
    - is_due: at the due date the employee is a PNS (not CPNS, not PPPK) in active service
      (the int_pegawai_versions version valid that day), the golongan is below the ceiling of
      regular promotion for the education held that day, and no promotion came before the due
      date (a promotion by another route, e.g. pilihan, before the due date means none fell
      due).
    - Ceiling of regular promotion by education (Keputusan Kepala BKN 12/2002 implementing PP
      99/2000 as amended by PP 12/2002): SD II/a; SLTP II/c; SLTP Kejuruan II/d;
      SLTA/SLTA Kejuruan/SLTA Keguruan/D-I/D-II III/b; D-III III/c; D-IV/S-1 III/d;
      Profesi/S-2/Spesialis IV/a; Subspesialis/S-3 IV/b. Kept inline until a seed holds it
      (a steward decision); an unknown education gets no ceiling.
    - The golongan is decoded by kind + id (PNS-<id>): PPPK ids collide with PNS ids and PPPK
      are not promoted this way.
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
        (tmt_golongan + make_interval(years => {{ var('kp_reguler_tahun', 4) }}))::date as due_date,
        lead(tmt_golongan) over (partition by nip order by tmt_golongan) as next_tmt_golongan,
        lead(golongan_id) over (partition by nip order by tmt_golongan) as next_golongan_id
    from held

),

at_due as (

    -- the version valid on the due date, as a set-based join (a few versions per employee):
    -- the newest one when versions overlap, none when no version covers it
    select distinct on (episodes.episode_row)
        episodes.*,
        versions.jenis_asn,
        versions.is_active_service,
        versions.opd_id,
        versions.tingkat_pendidikan_id
    from episodes
    left join versions
        on
            episodes.nip = versions.nip
            and episodes.due_date >= versions.valid_from
            and (versions.valid_to is null or episodes.due_date < versions.valid_to)
    order by episodes.episode_row asc, versions.valid_from desc

),

final as (

    select
        at_due.nip,
        at_due.opd_id,
        'PNS-' || at_due.golongan_id as golongan_key,
        at_due.tmt_golongan,
        at_due.due_date,
        at_due.jenis_asn as jenis_asn_at_due,
        at_due.tingkat_pendidikan_id as tingkat_pendidikan_id_at_due,
        'PNS-' || coalesce(ceiling.golongan_maks_id, '45') as golongan_maks_key,
        at_due.next_tmt_golongan,
        'PNS-' || at_due.next_golongan_id as next_golongan_key,
        coalesce(
            at_due.jenis_asn = 'PNS'
            and at_due.is_active_service
            and held_golongan.urutan < maks_golongan.urutan
            and (at_due.next_tmt_golongan is null or at_due.next_tmt_golongan >= at_due.due_date),
            false
        ) as is_due,
        at_due.load_batch_id
    from at_due
    left join ceiling
        on at_due.tingkat_pendidikan_id = ceiling.tingkat_pendidikan_id
    left join golongan as held_golongan
        on held_golongan.golongan_key = 'PNS-' || at_due.golongan_id
    left join golongan as maks_golongan
        on maks_golongan.golongan_key = 'PNS-' || coalesce(ceiling.golongan_maks_id, '45')

)

select * from final
