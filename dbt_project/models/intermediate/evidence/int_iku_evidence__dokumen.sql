{#
    Register indicators counted from the units' register of documents and reports
    (register_dokumen).

    Ratios (catalog unit persen): REN-1.1, REN-1.2, REN-1.3, UMP-1..UMP-4, PINKA-1.1,
    PINKA-1.2, PINKA-2.1, DTK-2 = documents of the indicator due in the period (batas_waktu in
    the period) and validated / documents due in the period x 100.
    Counts (catalog unit jumlah): INKA-1, INKA-2, INKA-4 = documents of the indicator validated
    in the period (tanggal_divalidasi in the period).

    Decisions:
    - A row serves its KODE IKU and every indicator the seed ref_dokumen_indikator maps its
      jenis dokumen to (LAPORAN_SKP -> INKA-4; LAPORAN_SIMPEG -> PINKA-2.1 besides its own
      INKA-2). Only the codes listed below are computed here, so a stray code in the register
      cannot double an indicator computed elsewhere.
    - Ratios: "validated" follows the catalog formula: validated at any date up to the data
      date, not necessarily by the due date (fct_dokumen flags both; the stricter reading is
      is_divalidasi_tepat_waktu there). A document due in the period and not validated counts
      against it.
    - Counts: each document is a candidate in the period of its validation date; a document
      never validated is a candidate (numerator 0) in the period of its due date, so the
      evidence shows what is still missing without changing the count.
    - Period types come from the catalog (year for all but INKA-4: year, quarter, month).
      Agency-only: opd_id is null. subject_type 'dokumen', subject_id = dokumen_id.
#}
{%- set dokumen_codes = [
    'REN-1.1', 'REN-1.2', 'REN-1.3', 'UMP-1', 'UMP-2', 'UMP-3', 'UMP-4',
    'PINKA-1.1', 'PINKA-1.2', 'PINKA-2.1', 'DTK-2', 'INKA-1', 'INKA-2', 'INKA-4'
] %}

with

dokumen as (

    select * from {{ ref('stg_register__dokumen') }}

),

dokumen_indikator as (

    select * from {{ ref('ref_dokumen_indikator') }}

),

catalog as (

    select * from {{ ref('iku_catalog') }}

),

catalog_periods as (

    select * from {{ ref('int_iku_catalog_periods') }}

),

coded as (

    select
        dokumen.*,
        dokumen.indicator_code as iku_code
    from dokumen
    where dokumen.indicator_code is not null
    union
    select
        dokumen.*,
        dokumen_indikator.indicator_code as iku_code
    from dokumen
    inner join dokumen_indikator
        on dokumen.jenis_dokumen = dokumen_indikator.jenis_dokumen

),

measured as (

    select
        coded.iku_code as indicator_code,
        coded.dokumen_id,
        coded.load_batch_id,
        case
            when catalog.unit_of_measure = 'jumlah' then coalesce(coded.tanggal_divalidasi, coded.batas_waktu)
            else coded.batas_waktu
        end as period_date,
        coded.tanggal_divalidasi is not null as is_divalidasi
    from coded
    inner join catalog
        on coded.iku_code = catalog.indicator_code
    where coded.iku_code in (
            '{{ dokumen_codes | join("', '") }}'
        )

),

evidence as (

    select
        measured.indicator_code,
        catalog_periods.period_id,
        null::text as opd_id,
        'dokumen' as subject_type,
        measured.dokumen_id as subject_id,
        null::text as nip,
        measured.is_divalidasi as in_numerator,
        true as in_denominator,
        measured.load_batch_id
    from measured
    inner join catalog_periods
        on
            measured.indicator_code = catalog_periods.indicator_code
            and measured.period_date between catalog_periods.period_start and catalog_periods.period_end

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
