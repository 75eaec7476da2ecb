{#
    Sub Bagian Keuangan indicators, from the register of the BKD's own finance reports
    (laporan_keuangan).

    KEU-1.1 Tingkat Capaian Kinerja Pelaporan Keuangan: financial reports (BULANAN, TAHUNAN)
    due in the period (batas_waktu in the period) and submitted by their due date / reports
    due in the period x 100. One row per report, denominator 1, numerator 1 when
    tanggal_disampaikan <= batas_waktu.

    KEU-1.2 Tingkat Capaian Kinerja Pengelolaan Keuangan: budget realisation of the last LRA
    quarter in the period / its budget x 100. One row per period: numerator_amount = the
    cumulative realisasi, denominator_amount = the anggaran of that LRA, so the value is the
    realisation %.

    Decisions:
    - LRA rows are not in KEU-1.1 (the catalog names monthly and yearly reports only); they
      feed KEU-1.2.
    - An LRA belongs to the period of the quarter it covers (tahun, triwulan), not to its due
      date; the year's figure is the latest quarter delivered so far (Q4 once it is in, Q3
      while the Q4 LRA is not yet due). Only LRA rows with a positive anggaran and a realisasi
      count; the figures are used whether or not the report itself was on time.
    - A report due in the period and never submitted counts against KEU-1.1.
    - Period types from the catalog (year, quarter). Agency-only: opd_id null.
#}
with

laporan as (

    select * from {{ ref('stg_register__laporan_keuangan') }}

),

catalog_periods as (

    select * from {{ ref('int_iku_catalog_periods') }}

),

pelaporan as (

    select
        catalog_periods.indicator_code,
        catalog_periods.period_id,
        null::text as opd_id,
        'laporan_keuangan' as subject_type,
        laporan.laporan_keuangan_id as subject_id,
        null::text as nip,
        coalesce(laporan.tanggal_disampaikan <= laporan.batas_waktu, false) as in_numerator,
        true as in_denominator,
        laporan.load_batch_id,
        case when laporan.tanggal_disampaikan <= laporan.batas_waktu then 1 else 0 end::numeric
            as numerator_amount,
        1::numeric as denominator_amount
    from laporan
    inner join catalog_periods
        on laporan.batas_waktu between catalog_periods.period_start and catalog_periods.period_end
    where
        catalog_periods.indicator_code = 'KEU-1.1'
        and laporan.jenis_laporan in ('BULANAN', 'TAHUNAN')

),

lra as (

    select
        laporan.*,
        make_date(laporan.tahun, 3 * laporan.triwulan - 2, 1) as quarter_start
    from laporan
    where
        laporan.jenis_laporan = 'LRA'
        and laporan.triwulan between 1 and 4
        and laporan.anggaran > 0
        and laporan.realisasi is not null

),

lra_ranked as (

    select
        catalog_periods.indicator_code,
        catalog_periods.period_id,
        lra.laporan_keuangan_id,
        lra.anggaran,
        lra.realisasi,
        lra.load_batch_id,
        row_number() over (
            partition by catalog_periods.period_id
            order by lra.quarter_start desc, lra.laporan_keuangan_id asc
        ) as recency
    from lra
    inner join catalog_periods
        on lra.quarter_start between catalog_periods.period_start and catalog_periods.period_end
    where catalog_periods.indicator_code = 'KEU-1.2'

),

realisasi as (

    select
        indicator_code,
        period_id,
        null::text as opd_id,
        'laporan_keuangan' as subject_type,
        laporan_keuangan_id as subject_id,
        null::text as nip,
        true as in_numerator,
        true as in_denominator,
        load_batch_id,
        realisasi as numerator_amount,
        anggaran as denominator_amount
    from lra_ranked
    where recency = 1

),

unioned as (

    select * from pelaporan
    union all
    select * from realisasi

),

final as (

    {{ iku_evidence_final('unioned', numerator_amount='numerator_amount', denominator_amount='denominator_amount') }}

)

select * from final
