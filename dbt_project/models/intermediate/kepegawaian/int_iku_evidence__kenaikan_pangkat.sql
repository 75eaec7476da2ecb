{#
    MUT-3 Capaian Kinerja Layanan Pengelolaan Kenaikan Pangkat ASN (year only). Denominator:
    regular promotions that fell due in the year (int_kenaikan_pangkat_jatuh_tempo.is_due, due
    date between 1 January and the reference date: var('kp_reguler_tahun') years in the
    golongan, below the ceiling of the employee's education, PNS in active service on the due
    date). Numerator: the employee's next golongan has a TMT in the same year (a promotion
    with TMT in the period). Subject = the due promotion (NIP / TMT of the golongan held), OPD
    = the employee's OPD on the due date.
#}
with

jatuh_tempo as (

    select * from {{ ref('int_kenaikan_pangkat_jatuh_tempo') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

evidence as (

    select
        'MUT-3' as indicator_code,
        periods.period_id,
        jatuh_tempo.opd_id,
        'kenaikan_pangkat' as subject_type,
        jatuh_tempo.nip || '/' || jatuh_tempo.tmt_golongan::text as subject_id,
        jatuh_tempo.nip,
        coalesce(
            jatuh_tempo.next_tmt_golongan between periods.period_start and periods.period_end, false
        ) as in_numerator,
        true as in_denominator,
        jatuh_tempo.load_batch_id
    from jatuh_tempo
    inner join periods
        on jatuh_tempo.due_date between periods.period_start and periods.reference_date
    where
        periods.period_type = 'year'
        and jatuh_tempo.is_due

),

final as (

    select
        *,
        in_numerator::integer::numeric as numerator_amount,
        in_denominator::integer::numeric as denominator_amount
    from evidence

)

select * from final
