{#
    MUT-5 Capaian Kinerja Layanan Mutasi Keluar/Masuk dan Cuti Pegawai: usulan cuti and usulan
    mutasi (SIMPEG tb_cuti, tb_mutasi) made in the period (tgl_usul in the period) and decided
    within the service standard / requests made in the period x 100.

    Decisions:
    - Decided = a decision date (tgl_keputusan) is recorded, whatever the decision (approved or
      refused: a refusal is a decision). Within standard = tgl_keputusan - tgl_usul <=
      var('layanan_standar_hari') (default 14) calendar days.
    - Pending requests (no decision yet) count against, as do requests decided late.
    - Every kind of cuti counts (tahunan, besar, sakit, melahirkan, alasan penting, CLTN), and
      every kind of mutasi (antar OPD, pindah masuk, pindah keluar).
    - opd_id: for cuti, the employee's OPD on the request date (int_pegawai_versions: the
      version valid that day, else the nearest one); for mutasi, the OPD the employee leaves
      (opd_asal), or the receiving OPD (opd_tujuan) for a pindah masuk.
    - subject_type 'usulan'; subject_id 'cuti/<id_cuti>' or 'mutasi/<id_mutasi>'.
    - Period types from the catalog (year, quarter).
#}
with

cuti as (

    select * from {{ ref('stg_simpeg__cuti') }}

),

mutasi as (

    select * from {{ ref('stg_simpeg__mutasi') }}

),

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

catalog_periods as (

    select * from {{ ref('int_iku_catalog_periods') }}

),

usulan_cuti as (

    select
        'cuti/' || cuti.cuti_id as subject_id,
        cuti.nip,
        opd_at.opd_id,
        cuti.tgl_usul,
        cuti.tgl_keputusan,
        cuti.load_batch_id
    from cuti
    left join lateral (
        select versions.opd_id
        from versions
        where versions.nip = cuti.nip
        order by
            ({{ version_valid_on('versions', 'cuti.nip', 'cuti.tgl_usul') }}) desc,
            abs(versions.valid_from - cuti.tgl_usul) asc
        limit 1
    ) as opd_at on true

),

usulan_mutasi as (

    select
        'mutasi/' || mutasi_id as subject_id,
        nip,
        coalesce(opd_asal, opd_tujuan) as opd_id,
        tgl_usul,
        tgl_keputusan,
        load_batch_id
    from mutasi

),

usulan as (

    select * from usulan_cuti
    union all
    select * from usulan_mutasi

),

evidence as (

    select
        catalog_periods.indicator_code,
        catalog_periods.period_id,
        usulan.opd_id,
        'usulan' as subject_type,
        usulan.subject_id,
        usulan.nip,
        coalesce(
            usulan.tgl_keputusan - usulan.tgl_usul <= {{ var('layanan_standar_hari') }}, false
        ) as in_numerator,
        true as in_denominator,
        usulan.load_batch_id
    from usulan
    inner join catalog_periods
        on usulan.tgl_usul between catalog_periods.period_start and catalog_periods.period_end
    where catalog_periods.indicator_code = 'MUT-5'

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
