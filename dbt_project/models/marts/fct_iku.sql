{#
    The indicator fact table: one row per catalog code, period (year; quarter and month where
    the catalog allows) and scope (the whole agency, opd_id null, and each perangkat daerah
    where the catalog breaks the indicator down), with numerator, denominator, value, target,
    capaian and status, and the load batches it was computed from. Every code is present for
    every period; a value that cannot be computed is null with its reason, never an error or
    a zero.
#}
with

evidence as (

    select * from {{ ref('fct_iku_evidence') }}

),

catalog as (

    select * from {{ ref('iku_catalog') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

targets as (

    select * from {{ ref('stg_steward__target_iku') }}

),

kategori_capaian as (

    select * from {{ ref('ref_kategori_capaian') }}

),

kategori_nilai as (

    select * from {{ ref('ref_kategori_nilai') }}

),

opd as (

    select * from {{ ref('dim_opd') }}

),

catalog_periods as (

    select * from {{ ref('int_iku_catalog_periods') }}

),

frame as (

    -- every indicator and period the catalog computes it for (SEK-1.1: sekretariat_frame)
    select
        indicator_code,
        period_id
    from catalog_periods
    where indicator_code <> 'SEK-1.1'

),

aggregated as (

    select
        evidence.indicator_code,
        evidence.period_id,
        evidence.opd_id,
        grouping(evidence.opd_id) = 1 as is_agency,
        sum(evidence.numerator_amount) as numerator,
        sum(evidence.denominator_amount) as denominator,
        string_agg(distinct evidence.load_batch_id::text, ',') as source_batch_ids
    from evidence
    group by grouping sets (
        (evidence.indicator_code, evidence.period_id),
        (evidence.indicator_code, evidence.period_id, evidence.opd_id)
    )

),

scoped as (

    select
        frame.indicator_code,
        frame.period_id,
        null::text as opd_id,
        true as is_agency,
        coalesce(aggregated.numerator, 0) as numerator,
        coalesce(aggregated.denominator, 0) as denominator,
        aggregated.source_batch_ids,
        aggregated.indicator_code is not null as has_rows
    from frame
    left join aggregated
        on
            frame.indicator_code = aggregated.indicator_code
            and frame.period_id = aggregated.period_id
            and aggregated.is_agency
    union all
    select
        aggregated.indicator_code,
        aggregated.period_id,
        aggregated.opd_id,
        false as is_agency,
        aggregated.numerator,
        aggregated.denominator,
        aggregated.source_batch_ids,
        true as has_rows
    from aggregated
    inner join catalog
        on aggregated.indicator_code = catalog.indicator_code
    where
        not aggregated.is_agency
        and aggregated.opd_id is not null
        and catalog.opd_breakdown

),

valued as (

    select
        scoped.*,
        catalog.unit_of_measure,
        catalog.direction,
        case
            when catalog.unit_of_measure in ('persen', 'per 1000') and scoped.denominator = 0 then null
            when catalog.unit_of_measure in ('nilai', 'kategori') and not scoped.has_rows then null
            when catalog.unit_of_measure = 'jumlah' and not scoped.has_rows then null
            when catalog.unit_of_measure = 'persen'
                then round(100 * {{ safe_divide('scoped.numerator', 'scoped.denominator') }}, 4)
            when catalog.unit_of_measure = 'per 1000'
                then round(1000 * {{ safe_divide('scoped.numerator', 'scoped.denominator') }}, 4)
            else scoped.numerator
        end as value,
        case
            when catalog.unit_of_measure in ('nilai', 'kategori') and not scoped.has_rows
                then 'no score entered by the steward for this period'
            when catalog.unit_of_measure = 'jumlah' and not scoped.has_rows
                then 'no records for this period: the source was not delivered for it'
            when catalog.unit_of_measure in ('persen', 'per 1000') and scoped.denominator = 0
                then 'denominator is zero: nothing to count for this period and scope'
        end as null_reason
    from scoped
    inner join catalog
        on scoped.indicator_code = catalog.indicator_code

),

with_target as (

    select
        valued.*,
        periods.period_type,
        periods.period_year,
        -- the annual target also holds for a quarter or a month, except for what grows with the
        -- period's length (counts, and events per 1000 ASN)
        case
            when periods.period_type = 'year' then targets.target
            when valued.unit_of_measure not in ('jumlah', 'per 1000') then targets.target
        end as target
    from valued
    inner join periods
        on valued.period_id = periods.period_id
    left join targets
        on
            valued.indicator_code = targets.indicator_code
            and periods.period_year = targets.tahun

),

scored as (

    select
        with_target.*,
        {{ capaian('with_target.value', 'with_target.target', 'with_target.direction') }} as capaian
    from with_target

),

sekretariat as (

    -- SEK-1.1: the mean capaian of every other agency-level indicator of the year, each capped
    -- at var('sek_capaian_cap') so that an over-achieved indicator cannot hide another's shortfall
    select
        'SEK-1.1' as indicator_code,
        scored.period_id,
        null::text as opd_id,
        true as is_agency,
        round(sum(least(scored.capaian, {{ var('sek_capaian_cap') }})), 4) as numerator,
        count(*)::numeric as denominator,
        null::text as source_batch_ids,
        true as has_rows,
        'persen' as unit_of_measure,
        'higher' as direction,
        round(avg(least(scored.capaian, {{ var('sek_capaian_cap') }})), 4) as value,
        null::text as null_reason,
        scored.period_type,
        scored.period_year
    from scored
    inner join catalog
        on scored.indicator_code = catalog.indicator_code
    where
        scored.is_agency
        and scored.period_type = 'year'
        and scored.capaian is not null
        -- a figure shared by two codes (PSDA-3 = BKD-1.3, ...) counts once
        and catalog.same_figure_as is null
    group by scored.period_id, scored.period_type, scored.period_year

),

sekretariat_frame as (

    select
        catalog_periods.indicator_code,
        catalog_periods.period_id,
        null::text as opd_id,
        true as is_agency,
        coalesce(sekretariat.numerator, 0) as numerator,
        coalesce(sekretariat.denominator, 0) as denominator,
        sekretariat.source_batch_ids,
        sekretariat.indicator_code is not null as has_rows,
        'persen' as unit_of_measure,
        'higher' as direction,
        sekretariat.value,
        case
            when sekretariat.indicator_code is null then 'no other indicator has a capaian for this year'
        end as null_reason,
        catalog_periods.period_type,
        catalog_periods.period_year,
        targets.target
    from catalog_periods
    left join sekretariat
        on catalog_periods.period_id = sekretariat.period_id
    left join targets
        on
            catalog_periods.indicator_code = targets.indicator_code
            and catalog_periods.period_year = targets.tahun
    where catalog_periods.indicator_code = 'SEK-1.1'

),

all_scored as (

    select * from scored
    union all
    select
        sekretariat_frame.*,
        {{ capaian('sekretariat_frame.value', 'sekretariat_frame.target', 'sekretariat_frame.direction') }}
            as capaian
    from sekretariat_frame

),

final as (

    select
        {{ surrogate_key(['all_scored.indicator_code', 'all_scored.period_id', 'all_scored.opd_id']) }}
            as iku_id,
        all_scored.indicator_code,
        catalog.indicator_name,
        catalog.kind,
        all_scored.period_id,
        all_scored.period_type,
        all_scored.period_year,
        periods.period_quarter,
        periods.period_month,
        periods.period_start,
        periods.period_end,
        periods.reference_date,
        periods.is_complete as is_period_complete,
        periods.is_reconstructed,
        case when all_scored.is_agency then 'agency' else 'opd' end as scope,
        all_scored.opd_id,
        opd.opd_nama,
        all_scored.numerator,
        -- a count or a score has no denominator (the evidence still lists the candidates)
        case when all_scored.unit_of_measure in ('persen', 'per 1000') then all_scored.denominator end
            as denominator,
        all_scored.value,
        all_scored.unit_of_measure,
        all_scored.direction,
        kategori_nilai.kategori as value_kategori,
        all_scored.target,
        all_scored.capaian,
        case
            when all_scored.value is null then 'tidak ada data'
            when all_scored.target is null then 'tanpa target'
            else kategori_capaian.kategori_capaian
        end as status,
        all_scored.null_reason,
        all_scored.source_batch_ids
    from all_scored
    inner join catalog
        on all_scored.indicator_code = catalog.indicator_code
    inner join periods
        on all_scored.period_id = periods.period_id
    left join opd
        on all_scored.opd_id = opd.opd_id
    left join kategori_capaian
        on
            all_scored.capaian >= coalesce(kategori_capaian.capaian_from, '-infinity'::numeric)
            and all_scored.capaian < coalesce(kategori_capaian.capaian_below, 'infinity'::numeric)
    left join kategori_nilai
        on
            all_scored.indicator_code = kategori_nilai.indicator_code
            and all_scored.value > coalesce(kategori_nilai.nilai_above, '-infinity'::numeric)
            and all_scored.value <= coalesce(kategori_nilai.nilai_up_to, 'infinity'::numeric)

)

select * from final
