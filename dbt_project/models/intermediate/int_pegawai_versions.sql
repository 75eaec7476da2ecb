{#
    Employee history as SCD2, reconciled: from each employee's first SIASN export on, the
    versions derived from the kept exports (int_pegawai_export_versions); before it, versions
    rebuilt from the riwayat histories (jabatan and OPD from riwayat jabatan, golongan from
    riwayat golongan, the highest education graduated by then from riwayat pendidikan), starting
    at TMT CPNS, with TMT PNS (CPNS becomes PNS) as a change point too. Attributes the histories
    do not carry (kedudukan hukum, jenis pegawai) come from the first export.

    A version is valid from valid_from (inclusive) to valid_to (exclusive; null: open). It ends
    at the next change, or when an export no longer lists the employee. A pemberhentian (riwayat
    pemberhentian: BUP, APS, death, PTDH, ...) ends active service at its TMT even while SIASN
    still lists the employee: its TMT is a change point and every version from it on has
    is_active_service false (fct_pemberhentian / the steward check say where SIASN lags).

    tmt_pengangkatan: the appointment date, TMT CPNS; for a PPPK, whose export may leave TMT
    CPNS empty, the as-of date of the first export that lists them when it is empty.

    Restricted: keeps tanggal_lahir for the BUP rules; dim_pegawai leaves it out.
    Indexed on (nip, valid_from) for the lookups of the version valid at a date (dbt's
    `indexes` config, named per build: a fixed name is still held by the previous build's
    backup table when the new one is indexed, and `create index if not exists` then skipped it).
#}
{{ config(
    materialized='table',
    indexes=[{'columns': ['nip', 'valid_from']}]
) }}

with

exported as (

    select * from {{ ref('int_pegawai_export_versions') }}

),

pemberhentian as (

    -- the first pemberhentian of each employee ends active service at its TMT
    select
        nip,
        min(tmt_pemberhentian) as tmt_pemberhentian
    from {{ ref('stg_siasn__riwayat_pemberhentian') }}
    where nip is not null and tmt_pemberhentian is not null
    group by nip

),

riwayat_jabatan as (

    select * from {{ ref('stg_siasn__riwayat_jabatan') }}

),

riwayat_golongan as (

    select * from {{ ref('stg_siasn__riwayat_golongan') }}

),

riwayat_pendidikan as (

    select * from {{ ref('stg_siasn__riwayat_pendidikan') }}

),

kedudukan_hukum as (

    select * from {{ ref('ref_kedudukan_hukum') }}

),

jenis_pegawai as (

    select * from {{ ref('ref_jenis_pegawai') }}

),

eselon as (

    select * from {{ ref('ref_eselon') }}

),

fungsional_kelompok as (

    select * from {{ ref('ref_jabatan_fungsional_kelompok') }}

),

first_version as (

    select distinct on (nip) *
    from exported
    order by nip asc, export_valid_from asc

),

change_points as (

    select
        nip,
        export_valid_from as valid_from
    from exported
    union
    select
        pemberhentian.nip,
        pemberhentian.tmt_pemberhentian
    from pemberhentian
    inner join first_version
        on pemberhentian.nip = first_version.nip
    where pemberhentian.tmt_pemberhentian > coalesce(first_version.tmt_cpns, first_version.export_valid_from)
    union
    select
        nip,
        tmt_cpns
    from first_version
    where tmt_cpns < export_valid_from
    union
    -- CPNS becomes PNS
    select
        nip,
        tmt_pns
    from first_version
    where tmt_pns > tmt_cpns and tmt_pns < export_valid_from
    union
    select
        riwayat_jabatan.nip,
        riwayat_jabatan.tmt_jabatan
    from riwayat_jabatan
    inner join first_version
        on riwayat_jabatan.nip = first_version.nip
    where
        riwayat_jabatan.tmt_jabatan < first_version.export_valid_from
        and riwayat_jabatan.tmt_jabatan > first_version.tmt_cpns
    union
    select
        riwayat_golongan.nip,
        riwayat_golongan.tmt_golongan
    from riwayat_golongan
    inner join first_version
        on riwayat_golongan.nip = first_version.nip
    where
        riwayat_golongan.tmt_golongan < first_version.export_valid_from
        and riwayat_golongan.tmt_golongan > first_version.tmt_cpns
    union
    select
        riwayat_pendidikan.nip,
        riwayat_pendidikan.tanggal_lulus
    from riwayat_pendidikan
    inner join first_version
        on riwayat_pendidikan.nip = first_version.nip
    where
        riwayat_pendidikan.tanggal_lulus < first_version.export_valid_from
        and riwayat_pendidikan.tanggal_lulus > first_version.tmt_cpns

),

bounded as (

    select
        change_points.nip,
        change_points.valid_from,
        lead(change_points.valid_from) over (
            partition by change_points.nip order by change_points.valid_from
        ) as next_change
    from change_points

),

-- Lookups as set-based joins (a few riwayat rows per employee), never per-row subqueries:
-- the riwayat are views over raw tables without indexes.
plt as (

    -- the Plt/Plh flag of the newest riwayat jabatan of each employee and position
    select distinct on (nip, jabatan_id)
        nip,
        jabatan_id,
        is_pelaksana_tugas
    from riwayat_jabatan
    where nip is not null and jabatan_id is not null
    order by nip asc, jabatan_id asc, tmt_jabatan desc, riwayat_jabatan_id desc

),

jabatan as (

    -- the riwayat jabatan in force at each change point
    select distinct on (bounded.nip, bounded.valid_from)
        bounded.nip,
        bounded.valid_from,
        riwayat_jabatan.jenis_jabatan_id,
        riwayat_jabatan.jabatan_id,
        riwayat_jabatan.jabatan_nama,
        riwayat_jabatan.eselon_id,
        riwayat_jabatan.is_pelaksana_tugas,
        riwayat_jabatan.tmt_jabatan,
        riwayat_jabatan.opd_id,
        riwayat_jabatan.unor_id
    from bounded
    inner join riwayat_jabatan
        on
            bounded.nip = riwayat_jabatan.nip
            and bounded.valid_from >= riwayat_jabatan.tmt_jabatan
    order by
        bounded.nip asc,
        bounded.valid_from asc,
        riwayat_jabatan.tmt_jabatan desc,
        riwayat_jabatan.riwayat_jabatan_id desc

),

golongan as (

    -- the riwayat golongan in force at each change point
    select distinct on (bounded.nip, bounded.valid_from)
        bounded.nip,
        bounded.valid_from,
        riwayat_golongan.golongan_id,
        riwayat_golongan.tmt_golongan
    from bounded
    inner join riwayat_golongan
        on
            bounded.nip = riwayat_golongan.nip
            and bounded.valid_from >= riwayat_golongan.tmt_golongan
    order by
        bounded.nip asc,
        bounded.valid_from asc,
        riwayat_golongan.tmt_golongan desc,
        riwayat_golongan.riwayat_golongan_id desc

),

pendidikan as (

    -- the highest education graduated by each change point
    select
        bounded.nip,
        bounded.valid_from,
        max(riwayat_pendidikan.tingkat_pendidikan_id) as tingkat_pendidikan_id
    from bounded
    inner join riwayat_pendidikan
        on
            bounded.nip = riwayat_pendidikan.nip
            and bounded.valid_from >= riwayat_pendidikan.tanggal_lulus
    group by bounded.nip, bounded.valid_from

),

from_exports as (

    -- each change point from the first export on takes the export version in force that day
    select
        bounded.nip,
        bounded.valid_from,
        least(bounded.next_change, exported.export_valid_to) as valid_to,
        'export' as version_source,
        exported.snapshot_date,
        exported.load_batch_id,
        exported.tanggal_lahir,
        exported.tmt_cpns,
        exported.tmt_pns,
        exported.jenis_pegawai_id,
        exported.status_cpns_pns,
        exported.kedudukan_hukum_id,
        exported.golongan_id,
        exported.tmt_golongan,
        exported.jenis_jabatan_id,
        exported.jabatan_id,
        exported.jabatan_nama,
        exported.eselon_id,
        coalesce(plt.is_pelaksana_tugas, false) as is_pelaksana_tugas,
        exported.tmt_jabatan,
        exported.tingkat_pendidikan_id,
        exported.opd_id,
        exported.unor_id
    from bounded
    inner join exported
        on
            bounded.nip = exported.nip
            and bounded.valid_from >= exported.export_valid_from
            and (exported.export_valid_to is null or bounded.valid_from < exported.export_valid_to)
    -- SIASN's export does not say Plt/Plh: the riwayat jabatan of the same position does
    left join plt
        on
            bounded.nip = plt.nip
            and exported.jabatan_id = plt.jabatan_id

),

rebuilt as (

    select
        bounded.nip,
        bounded.valid_from,
        bounded.next_change as valid_to,
        'riwayat' as version_source,
        first_version.snapshot_date,
        first_version.load_batch_id,
        first_version.tanggal_lahir,
        first_version.tmt_cpns,
        first_version.tmt_pns,
        first_version.jenis_pegawai_id,
        case
            when first_version.status_cpns_pns is null then null
            when first_version.tmt_pns is null or bounded.valid_from < first_version.tmt_pns then 'C'
            else 'P'
        end as status_cpns_pns,
        first_version.kedudukan_hukum_id,
        coalesce(golongan.golongan_id, first_version.golongan_id) as golongan_id,
        coalesce(golongan.tmt_golongan, first_version.tmt_golongan) as tmt_golongan,
        coalesce(jabatan.jenis_jabatan_id, first_version.jenis_jabatan_id) as jenis_jabatan_id,
        coalesce(jabatan.jabatan_id, first_version.jabatan_id) as jabatan_id,
        coalesce(jabatan.jabatan_nama, first_version.jabatan_nama) as jabatan_nama,
        case when jabatan.nip is null then first_version.eselon_id else jabatan.eselon_id end as eselon_id,
        coalesce(jabatan.is_pelaksana_tugas, false) as is_pelaksana_tugas,
        coalesce(jabatan.tmt_jabatan, first_version.tmt_jabatan) as tmt_jabatan,
        pendidikan.tingkat_pendidikan_id,
        coalesce(jabatan.opd_id, first_version.opd_id) as opd_id,
        coalesce(jabatan.unor_id, first_version.unor_id) as unor_id
    from bounded
    inner join first_version
        on bounded.nip = first_version.nip
    left join jabatan
        on
            bounded.nip = jabatan.nip
            and bounded.valid_from = jabatan.valid_from
    left join golongan
        on
            bounded.nip = golongan.nip
            and bounded.valid_from = golongan.valid_from
    left join pendidikan
        on
            bounded.nip = pendidikan.nip
            and bounded.valid_from = pendidikan.valid_from
    where bounded.valid_from < first_version.export_valid_from

),

unioned as (

    select * from from_exports
    union all
    select * from rebuilt

),

decoded as (

    select
        unioned.*,
        case
            when jenis_pegawai.is_pppk then 'PPPK'
            when unioned.status_cpns_pns = 'C' then 'CPNS'
            else 'PNS'
        end as jenis_asn,
        coalesce(kedudukan_hukum.is_active_service, false)
        and (pemberhentian.nip is null or unioned.valid_from < pemberhentian.tmt_pemberhentian)
            as is_active_service,
        pemberhentian.tmt_pemberhentian,
        coalesce(unioned.tmt_cpns, first_version.export_valid_from) as tmt_pengangkatan,
        case when jenis_pegawai.is_pppk then 'PPPK-' else 'PNS-' end || unioned.golongan_id as golongan_key,
        eselon.eselon_level,
        case
            when unioned.jenis_jabatan_id <> '2' then null
            else coalesce(
                    (
                        select fungsional_kelompok.kelompok
                        from fungsional_kelompok
                        where lower(unioned.jabatan_nama) like fungsional_kelompok.nama_prefix || '%'
                        order by length(fungsional_kelompok.nama_prefix) desc
                        limit 1
                    ),
                    'lainnya'
                )
        end as fungsional_kelompok
    from unioned
    left join jenis_pegawai
        on unioned.jenis_pegawai_id = jenis_pegawai.jenis_pegawai_id
    left join kedudukan_hukum
        on unioned.kedudukan_hukum_id = kedudukan_hukum.kedudukan_hukum_id
    left join eselon
        on unioned.eselon_id = eselon.eselon_id
    left join pemberhentian
        on unioned.nip = pemberhentian.nip
    left join first_version
        on unioned.nip = first_version.nip

),

final as (

    select
        {{ surrogate_key(['nip', 'valid_from']) }} as pegawai_version_id,
        *,
        valid_to is null as is_current
    from decoded
    where valid_to is null or valid_to > valid_from

)

select * from final
