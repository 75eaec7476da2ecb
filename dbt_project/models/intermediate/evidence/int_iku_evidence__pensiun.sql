{#
    MUT-2 Capaian Kinerja Layanan Administrasi Pemberhentian. Denominator: retirements by
    batas usia pensiun (riwayat_pemberhentian with jenis 'BUP') whose TMT pensiun falls in the
    year / quarter; numerator: those whose SK pensiun is dated strictly before the TMT.
    Subject = the pemberhentian record. OPD = the employee's OPD on the day before the TMT (the
    version of int_pegawai_versions valid then, else the newest), null for employees who left
    before the first SIASN export (they count for the agency, not for an OPD).
    Limitation: only retirements with a register record are counted; employees past their BUP
    with no record at all are not in the denominator (see mrt_pensiun_12_bulan for the ones
    coming).
#}
with

pemberhentian as (

    select * from {{ ref('stg_siasn__riwayat_pemberhentian') }}

),

catalog_periods as (

    select * from {{ ref('int_iku_catalog_periods') }}

),

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

bup as (

    select
        pemberhentian.*,
        opd_at.opd_id
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
    where pemberhentian.jenis_pemberhentian = 'BUP'

),

evidence as (

    select
        catalog_periods.indicator_code,
        catalog_periods.period_id,
        bup.opd_id,
        'pemberhentian' as subject_type,
        bup.riwayat_pemberhentian_id as subject_id,
        bup.nip,
        coalesce(bup.tgl_sk < bup.tmt_pemberhentian, false) as in_numerator,
        true as in_denominator,
        bup.load_batch_id
    from bup
    inner join catalog_periods
        on bup.tmt_pemberhentian between catalog_periods.period_start and catalog_periods.period_end
    where catalog_periods.indicator_code = 'MUT-2'

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
