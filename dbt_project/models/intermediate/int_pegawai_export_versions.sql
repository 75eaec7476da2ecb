{#
    Employee versions (SCD2) derived from the kept SIASN PNS exports alone, so that the history
    is a function of the delivered exports: neither the order they arrived in nor the day the
    refresh ran changes it, and a corrected export replaces its date's rows and the history
    follows.

    - A version starts at the as-of date of the export where the employee first appears, where a
      tracked attribute differs from the previous export, or where the employee appears again
      after missing from an export.
    - It ends (export_valid_to, exclusive) at the as-of date of the next version, or at the
      as-of date of the first export that no longer lists the employee; it stays open while the
      newest export lists the employee unchanged.
    - Attributes not tracked (birth date, TMT CPNS, ...) are those of the version's first export.

    int_pegawai_versions adds the years before the first export (from the riwayat histories)
    and ends active service at a pemberhentian TMT.
#}
{{ config(materialized='table') }}

with

exports as (

    select * from {{ ref('int_pegawai_exports') }}

),

export_dates as (

    select
        snapshot_date,
        lag(snapshot_date) over (order by snapshot_date) as previous_export_date,
        lead(snapshot_date) over (order by snapshot_date) as next_export_date
    from (select distinct snapshot_date from exports) as dates

),

tracked as (

    select
        exports.*,
        export_dates.previous_export_date,
        export_dates.next_export_date,
        {{ surrogate_key([
            'exports.kedudukan_hukum_id', 'exports.jenis_pegawai_id', 'exports.status_cpns_pns',
            'exports.golongan_id', 'exports.tmt_golongan', 'exports.tmt_pns',
            'exports.jenis_jabatan_id', 'exports.jabatan_id', 'exports.jabatan_nama',
            'exports.eselon_id', 'exports.tmt_jabatan', 'exports.tingkat_pendidikan_id',
            'exports.opd_id', 'exports.unor_id'
        ]) }} as tracked_state
    from exports
    inner join export_dates
        on exports.snapshot_date = export_dates.snapshot_date

),

compared as (

    select
        tracked.*,
        lag(tracked.tracked_state) over (partition by tracked.nip order by tracked.snapshot_date)
            as previous_state,
        lag(tracked.snapshot_date) over (partition by tracked.nip order by tracked.snapshot_date)
            as previous_seen,
        lead(tracked.snapshot_date) over (partition by tracked.nip order by tracked.snapshot_date)
            as next_seen
    from tracked

),

flagged as (

    -- missing_from: the next export does not list the employee, whose version ends at its date
    select
        compared.*,
        coalesce(
            compared.previous_seen is null
            or compared.previous_seen <> compared.previous_export_date
            or compared.previous_state <> compared.tracked_state,
            true
        ) as starts_version,
        case
            when compared.next_export_date <> coalesce(compared.next_seen, '-infinity'::date)
                then compared.next_export_date
        end as missing_from
    from compared

),

numbered as (

    select
        flagged.*,
        sum(flagged.starts_version::integer) over (
            partition by flagged.nip order by flagged.snapshot_date
        ) as version_number
    from flagged

),

last_rows as (

    select distinct on (nip, version_number)
        nip,
        version_number,
        missing_from
    from numbered
    order by nip asc, version_number asc, snapshot_date desc

),

first_rows as (

    select distinct on (nip, version_number) *
    from numbered
    where starts_version
    order by nip asc, version_number asc, snapshot_date asc

),

final as (

    select
        first_rows.nip,
        first_rows.snapshot_date as export_valid_from,
        coalesce(
            last_rows.missing_from,
            lead(first_rows.snapshot_date) over (partition by first_rows.nip order by first_rows.snapshot_date)
        ) as export_valid_to,
        first_rows.snapshot_date,
        first_rows.load_batch_id,
        first_rows.tanggal_lahir,
        first_rows.tmt_cpns,
        first_rows.tmt_pns,
        first_rows.jenis_pegawai_id,
        first_rows.status_cpns_pns,
        first_rows.kedudukan_hukum_id,
        first_rows.golongan_id,
        first_rows.tmt_golongan,
        first_rows.jenis_jabatan_id,
        first_rows.jabatan_id,
        first_rows.jabatan_nama,
        first_rows.eselon_id,
        first_rows.tmt_jabatan,
        first_rows.tingkat_pendidikan_id,
        first_rows.opd_id,
        first_rows.unor_id
    from first_rows
    inner join last_rows
        on
            first_rows.nip = last_rows.nip
            and first_rows.version_number = last_rows.version_number

)

select * from final
