{#
    SMK-2 Terlaksananya Pengelolaan Kenaikan Gaji Berkala: KGB falling due in the period (every
    var('kgb_interval_tahun') years after the previous KGB TMT, or TMT CPNS for the first; PNS
    in active service at the due date) with an SK dated on or before the due TMT / KGB due in
    the period x 100. The schedule and the matching of SKs are int_kgb_jatuh_tempo's.

    Decisions:
    - A KGB belongs to the period of its due date; issued late or not at all it counts against
      that period.
    - opd_id = the employee's OPD on the due date (int_kgb_jatuh_tempo.opd_id): an event counts
      in the OPD of its date, also when the employee moved before the reference date
      (docs/indicators.md). subject_type 'kgb', subject_id = kgb_jatuh_tempo_id (NIP + due
      date).
    - Period types from the catalog (year only).
#}
with

jatuh_tempo as (

    select * from {{ ref('int_kgb_jatuh_tempo') }}

),

catalog_periods as (

    select * from {{ ref('int_iku_catalog_periods') }}

),

evidence as (

    select
        catalog_periods.indicator_code,
        catalog_periods.period_id,
        jatuh_tempo.opd_id,
        'kgb' as subject_type,
        jatuh_tempo.kgb_jatuh_tempo_id as subject_id,
        jatuh_tempo.nip,
        jatuh_tempo.is_tepat_waktu as in_numerator,
        true as in_denominator,
        jatuh_tempo.load_batch_id
    from jatuh_tempo
    inner join catalog_periods
        on jatuh_tempo.tmt_jatuh_tempo between catalog_periods.period_start and catalog_periods.period_end
    where catalog_periods.indicator_code = 'SMK-2'

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
