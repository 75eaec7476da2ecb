{#
    PINKA-1.3 Pengisian Formasi ASN: CASN / PPPK formasi filled (NIP / NI PPPK issued,
    nip_ditetapkan) / formasi approved x 100, per selection year (register_formasi.tahun),
    agency-only.

    Decisions:
    - The contract wants ratios as one row per subject with denominator 1: each approved
      formasi line (tahun, jenis pengadaan, OPD, jabatan) is expanded into its slots
      (subject_id = formasi_id || '/' || slot number); the first nip_ditetapkan slots are
      filled. NIPs beyond the approved formasi are capped at the formasi (a slot is filled at
      most once).
    - A formasi whose selection is still running (nip_ditetapkan empty) has no slot filled: it
      counts against its year until the register is updated.
    - Year periods only (the catalog lists year); the year is the formasi's tahun anggaran,
      not the date the NIP was issued (formasi of year Y are filled up to March Y+1).
    - opd_id is null: the catalog computes PINKA-1.3 for the agency only. subject_type
      'formasi'.
#}
with

formasi as (

    select * from {{ ref('stg_register__formasi') }}

),

catalog_periods as (

    select * from {{ ref('int_iku_catalog_periods') }}

),

slots as (

    select
        formasi.formasi_id,
        formasi.tahun,
        formasi.load_batch_id,
        slot.slot_number,
        slot.slot_number <= coalesce(formasi.nip_ditetapkan, 0) as is_terisi
    from formasi
    cross join lateral generate_series(1, formasi.formasi) as slot (slot_number)
    where formasi.formasi > 0

),

evidence as (

    select
        catalog_periods.indicator_code,
        catalog_periods.period_id,
        null::text as opd_id,
        'formasi' as subject_type,
        slots.formasi_id || '/' || slots.slot_number as subject_id,
        null::text as nip,
        slots.is_terisi as in_numerator,
        true as in_denominator,
        slots.load_batch_id
    from slots
    inner join catalog_periods
        on slots.tahun = catalog_periods.period_year
    where
        catalog_periods.indicator_code = 'PINKA-1.3'
        and catalog_periods.period_type = 'year'

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
