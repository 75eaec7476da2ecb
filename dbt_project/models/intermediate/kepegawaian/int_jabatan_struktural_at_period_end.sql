{#
    Each structural position of the peta jabatan (a row of stg_steward__peta_jabatan with an
    eselon) at the reference date of each year and quarter, with who held it that day.

    Decisions:
    - The peta jabatan is a steward's register with an as-of date. Each period uses the newest
      peta version dated on or before its reference date; periods older than every version use
      the oldest one (the peta is assumed to hold for the years before it was first delivered).
    - The incumbent is an ASN active at the reference date (int_pegawai_at_period_end) whose
      jabatan_id is the position id. A definitive incumbent wins over a Plt/Plh; when several
      employees claim the same position the lowest NIP is shown and incumbent_count says so.
    - is_terisi_definitif: a definitive (not Plt/Plh) incumbent holds the position.
#}
with

peta as (

    select * from {{ ref('stg_steward__peta_jabatan') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

population as (

    select * from {{ ref('int_pegawai_at_period_end') }}

),

eselon as (

    select * from {{ ref('ref_eselon') }}

),

peta_versions as (

    select distinct peta_as_of
    from peta

),

period_peta as (

    select
        periods.period_id,
        periods.period_type,
        periods.reference_date,
        coalesce(
            max(peta_versions.peta_as_of) filter (where peta_versions.peta_as_of <= periods.reference_date),
            min(peta_versions.peta_as_of)
        ) as peta_as_of
    from periods
    cross join peta_versions
    where periods.period_type in ('year', 'quarter')
    group by periods.period_id, periods.period_type, periods.reference_date

),

positions as (

    select
        period_peta.period_id,
        period_peta.period_type,
        period_peta.reference_date,
        peta.jabatan_id,
        peta.opd_id,
        peta.jabatan_nama,
        peta.eselon_id,
        eselon.eselon_level,
        peta.load_batch_id
    from period_peta
    inner join peta
        on period_peta.peta_as_of = peta.peta_as_of
    left join eselon
        on peta.eselon_id = eselon.eselon_id
    where peta.eselon_id is not null

),

incumbents as (

    select
        population.period_id,
        population.jabatan_id,
        population.nip,
        population.is_pelaksana_tugas,
        row_number() over (
            partition by population.period_id, population.jabatan_id
            order by population.is_pelaksana_tugas asc, population.nip asc
        ) as incumbent_rank,
        count(*) over (partition by population.period_id, population.jabatan_id) as incumbent_count
    from population

),

final as (

    select
        positions.period_id,
        positions.period_type,
        positions.reference_date,
        positions.jabatan_id,
        positions.opd_id,
        positions.jabatan_nama,
        positions.eselon_id,
        positions.eselon_level,
        incumbents.nip as incumbent_nip,
        incumbents.is_pelaksana_tugas as incumbent_is_pelaksana_tugas,
        coalesce(incumbents.incumbent_count, 0) as incumbent_count,
        coalesce(not incumbents.is_pelaksana_tugas, false) as is_terisi_definitif,
        positions.load_batch_id
    from positions
    left join incumbents
        on
            positions.period_id = incumbents.period_id
            and positions.jabatan_id = incumbents.jabatan_id
            and incumbents.incumbent_rank = 1

)

select * from final
