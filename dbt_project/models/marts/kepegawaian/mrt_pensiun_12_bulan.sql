{#
    Follow-up list: ASN in active service in the newest SIASN export whose TMT pensiun falls
    in the 12 months after the export's as-of date (after it, up to and including the same day 12
    months later). BUP from ref_bup, the first matching rule_order wins (65 JF ahli utama, 60
    guru, JF ahli madya and eselon II, 58 everyone else); TMT pensiun = the first day of the
    month after the birthday that reaches the BUP. PPPK are listed too: their contract ends at
    the BUP of the jabatan. No birth date or name: NIP, OPD, jabatan, BUP and TMT only.
#}
with

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

pns as (

    select * from {{ ref('stg_siasn__pns') }}

),

bup as (

    select * from {{ ref('ref_bup') }}

),

jenis_jabatan as (

    select * from {{ ref('ref_jenis_jabatan') }}

),

pemberhentian as (

    select * from {{ ref('stg_siasn__riwayat_pemberhentian') }}

),

as_of as (

    select max(snapshot_date) as snapshot_date
    from pns

),

current_asn as (

    select
        versions.*,
        coalesce(jenis_jabatan.is_fungsional_tertentu, false) as is_fungsional_tertentu
    from versions
    left join jenis_jabatan
        on versions.jenis_jabatan_id = jenis_jabatan.jenis_jabatan_id
    where
        versions.is_current
        and versions.is_active_service
        and versions.tanggal_lahir is not null

),

matched as (

    select distinct on (current_asn.nip)
        current_asn.nip,
        current_asn.opd_id,
        current_asn.jenis_asn,
        current_asn.jabatan_id,
        current_asn.jabatan_nama,
        current_asn.eselon_id,
        bup.rule_order as bup_rule_order,
        bup.bup_tahun,
        (
            date_trunc('month', current_asn.tanggal_lahir + make_interval(years => bup.bup_tahun))
            + interval '1 month'
        )::date as tmt_pensiun
    from current_asn
    inner join bup
        on
            case bup.applies_to
                when 'fungsional'
                    then
                        current_asn.is_fungsional_tertentu
                        and lower(current_asn.jabatan_nama) like bup.jabatan_pattern
                when 'struktural_eselon_2'
                    then
                        current_asn.eselon_level = 2
                        and lower(coalesce(current_asn.jabatan_nama, '')) like bup.jabatan_pattern
                when 'any' then true
                else false
            end
    order by current_asn.nip asc, bup.rule_order asc

),

sk as (

    select distinct nip
    from pemberhentian

),

final as (

    select
        matched.nip,
        matched.opd_id,
        matched.jenis_asn,
        matched.jabatan_id,
        matched.jabatan_nama,
        matched.eselon_id,
        matched.bup_tahun,
        matched.bup_rule_order,
        matched.tmt_pensiun,
        as_of.snapshot_date,
        (
            extract(year from age(matched.tmt_pensiun, as_of.snapshot_date)) * 12
            + extract(month from age(matched.tmt_pensiun, as_of.snapshot_date))
        )::integer as bulan_menuju_pensiun,
        sk.nip is not null as has_sk_pemberhentian
    from matched
    cross join as_of
    left join sk
        on matched.nip = sk.nip
    where
        matched.tmt_pensiun > as_of.snapshot_date
        and matched.tmt_pensiun <= (as_of.snapshot_date + interval '12 months')::date

)

select * from final
