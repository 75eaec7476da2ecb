{#
    SKP (PermenPANRB 6/2022): one row per riwayat SKP record (employee and year), with the
    rating, the predikat kinerja and the NIP of the assessor, and the employee's OPD at the end
    of the rated year (the int_pegawai_versions version valid on 31 December, else the newest).
#}
with

skp as (

    select * from {{ ref('stg_siasn__riwayat_skp') }}

),

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

final as (

    select
        skp.riwayat_skp_id as skp_id,
        skp.nip,
        opd_at.opd_id,
        skp.tahun,
        skp.hasil_kinerja,
        skp.perilaku_kerja,
        skp.predikat_kinerja,
        skp.nip_penilai,
        coalesce(skp.predikat_kinerja, skp.hasil_kinerja) is not null as is_rated,
        skp.load_batch_id
    from skp
    left join lateral (
        select versions.opd_id
        from versions
        where versions.nip = skp.nip
        order by
            ({{ version_valid_on('versions', 'skp.nip', 'make_date(skp.tahun, 12, 31)') }}) desc,
            versions.valid_from desc
        limit 1
    ) as opd_at on true

)

select * from final
