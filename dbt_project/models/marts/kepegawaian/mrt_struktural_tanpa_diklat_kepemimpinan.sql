{#
    Follow-up list: current definitive structural officials (the employee's current version in
    int_pegawai_versions, in active service, eselon II-IV, not Plt/Plh) who do not hold the
    leadership training of their echelon level or a higher one (ref_diklat_kepemimpinan:
    kepemimpinan_level <= eselon_level), i.e. those BKD-2.2 does not count today. Shows the
    best level they hold, if any (a lower training, e.g. PKP for an eselon III, counts for
    PSDA-2 but not for BKD-2.2).
#}
with

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

diklat as (

    select * from {{ ref('stg_siasn__riwayat_diklat') }}

),

kepemimpinan as (

    select * from {{ ref('ref_diklat_kepemimpinan') }}

),

officials as (

    select *
    from versions
    where
        is_current
        and is_active_service
        and eselon_level between 2 and 4
        and not coalesce(is_pelaksana_tugas, false)

),

held as (

    select
        diklat.nip,
        min(kepemimpinan.kepemimpinan_level) as best_kepemimpinan_level
    from diklat
    inner join kepemimpinan
        on diklat.latihan_struktural_id = kepemimpinan.latihan_struktural_id
    group by diklat.nip

),

required as (

    select
        kepemimpinan_level,
        string_agg(latihan_struktural_id, ' / ' order by latihan_struktural_id) as diklat_wajib
    from kepemimpinan
    group by kepemimpinan_level

),

final as (

    select
        officials.nip,
        officials.opd_id,
        officials.jabatan_id,
        officials.jabatan_nama,
        officials.eselon_id,
        officials.eselon_level,
        required.diklat_wajib,
        held.best_kepemimpinan_level,
        held.nip is not null as has_diklat_kepemimpinan_lain,
        officials.load_batch_id
    from officials
    left join held
        on officials.nip = held.nip
    left join required
        on officials.eselon_level = required.kepemimpinan_level
    where held.best_kepemimpinan_level is null or held.best_kepemimpinan_level > officials.eselon_level

)

select * from final
