{#
    MUT-3 Capaian Kinerja Layanan Pengelolaan Kenaikan Pangkat ASN (year only). Denominator:
    regular promotions (kenaikan pangkat reguler) that fell due in the year, i.e. whose KP
    period starts between 1 January and the reference date (int_kenaikan_pangkat_jatuh_tempo
    .is_due: var('kp_reguler_tahun') years in the golongan; a PNS in active service on the
    'reguler' jalur, pelaksana or fungsional umum, not a structural or functional post; below
    the ceiling of the employee's education). Numerator: the promotion's TMT falls in the KP
    period in which it fell due (is_tepat_waktu), not merely in the same year.

    Decisions:
    - A due promotion belongs to the year of its KP date; promoted late or not at all it counts
      against that year, once.
    - Subject = the due promotion (NIP / TMT of the golongan held). opd_id = the employee's
      OPD on the KP date it fell due (int_kenaikan_pangkat_jatuh_tempo.opd_id): an event counts
      in the OPD of its date, also when the employee moved before the reference date
      (docs/indicators.md).
#}
with

jatuh_tempo as (

    select * from {{ ref('int_kenaikan_pangkat_jatuh_tempo') }}

),

catalog_periods as (

    select * from {{ ref('int_iku_catalog_periods') }}

),

evidence as (

    select
        catalog_periods.indicator_code,
        catalog_periods.period_id,
        jatuh_tempo.opd_id,
        'kenaikan_pangkat' as subject_type,
        jatuh_tempo.nip || '/' || jatuh_tempo.tmt_golongan::text as subject_id,
        jatuh_tempo.nip,
        jatuh_tempo.is_tepat_waktu as in_numerator,
        true as in_denominator,
        jatuh_tempo.load_batch_id
    from jatuh_tempo
    inner join catalog_periods
        on jatuh_tempo.due_date between catalog_periods.period_start and catalog_periods.reference_date
    where
        catalog_periods.indicator_code = 'MUT-3'
        and jatuh_tempo.is_due

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
