{#
    BKD-1.4 and MUT-4 (the same figure): Persentase Jabatan Eselonering yang Terisi. One row
    per structural position of the peta jabatan (a position with an eselon) per year and
    quarter, in the denominator; in the numerator when a definitive incumbent (not Plt/Plh)
    active at the reference date holds it (int_jabatan_struktural_at_period_end: the peta
    version of the period, the incumbent from int_pegawai_at_period_end). Subject = the
    position, opd = the position's OPD in the peta, nip = the definitive incumbent (null when
    vacant or held only by a Plt/Plh).
#}
with

positions as (

    select * from {{ ref('int_jabatan_struktural_at_period_end') }}

),

indicators as (

    select 'BKD-1.4' as indicator_code
    union all
    select 'MUT-4'

),

evidence as (

    select
        indicators.indicator_code,
        positions.period_id,
        positions.opd_id,
        'jabatan' as subject_type,
        positions.jabatan_id as subject_id,
        case when positions.is_terisi_definitif then positions.incumbent_nip end as nip,
        positions.is_terisi_definitif as in_numerator,
        true as in_denominator,
        positions.load_batch_id
    from positions
    cross join indicators

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
