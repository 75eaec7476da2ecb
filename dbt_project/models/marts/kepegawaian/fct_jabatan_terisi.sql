{#
    Structural positions filled: one row per position of the peta jabatan (a position with an
    eselon) at the reference date of each year and quarter, filled or not, by whom (NIP of the
    incumbent active that day) and how (definitif, or Plt/Plh). BKD-1.4 / MUT-4 count the
    positions with status_pengisian 'definitif'. See int_jabatan_struktural_at_period_end for
    the choice of the peta version and of the incumbent.
#}
with

positions as (

    select * from {{ ref('int_jabatan_struktural_at_period_end') }}

),

eselon as (

    select * from {{ ref('ref_eselon') }}

),

final as (

    select
        {{ surrogate_key(['positions.period_id', 'positions.jabatan_id']) }} as jabatan_terisi_id,
        positions.period_id,
        positions.period_type,
        positions.reference_date,
        positions.opd_id,
        positions.jabatan_id,
        positions.jabatan_nama,
        positions.eselon_id,
        eselon.eselon_nama,
        positions.eselon_level,
        case
            when positions.incumbent_nip is null then 'kosong'
            when positions.incumbent_is_pelaksana_tugas then 'plt'
            else 'definitif'
        end as status_pengisian,
        positions.incumbent_nip as nip_pemangku,
        positions.incumbent_count as jumlah_pemangku,
        positions.is_terisi_definitif,
        positions.load_batch_id
    from positions
    left join eselon
        on positions.eselon_id = eselon.eselon_id

)

select * from final
