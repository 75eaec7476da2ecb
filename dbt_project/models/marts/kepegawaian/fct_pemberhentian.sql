{#
    Pemberhentian: one row per riwayat pemberhentian record (BUP retirement, APS resignation,
    death, PTDH), with whether the SK came before the TMT (MUT-2 counts BUP retirements whose
    SK is dated strictly before the TMT) and the employee's last OPD (the int_pegawai_versions
    version valid the day before the TMT, else the newest; null for employees who left before
    the first SIASN export).
#}
with

pemberhentian as (

    select * from {{ ref('stg_siasn__riwayat_pemberhentian') }}

),

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

final as (

    select
        pemberhentian.riwayat_pemberhentian_id as pemberhentian_id,
        pemberhentian.nip,
        opd_at.opd_id,
        pemberhentian.jenis_pemberhentian,
        pemberhentian.jenis_pemberhentian = 'BUP' as is_pensiun_bup,
        pemberhentian.tmt_pemberhentian,
        extract(year from pemberhentian.tmt_pemberhentian)::integer as tmt_tahun,
        pemberhentian.no_sk,
        pemberhentian.tgl_sk,
        coalesce(pemberhentian.tgl_sk < pemberhentian.tmt_pemberhentian, false) as is_sk_sebelum_tmt,
        pemberhentian.tmt_pemberhentian - pemberhentian.tgl_sk as hari_sk_sebelum_tmt,
        pemberhentian.load_batch_id
    from pemberhentian
    left join lateral (
        select versions.opd_id
        from versions
        where versions.nip = pemberhentian.nip
        order by
            ({{ version_valid_on('versions', 'pemberhentian.nip', 'pemberhentian.tmt_pemberhentian - 1') }}) desc,
            versions.valid_from desc
        limit 1
    ) as opd_at on true

)

select * from final
