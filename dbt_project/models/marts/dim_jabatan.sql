{#
    Jabatan: the structural positions of the peta jabatan and every other jabatan an
    employee has held, with jenis, eselon and the guru / tenaga kesehatan flags that
    BKD-2.1 excludes.
#}
with

peta as (

    select * from {{ ref('stg_steward__peta_jabatan') }}

),

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

eselon as (

    select * from {{ ref('ref_eselon') }}

),

jenis as (

    select * from {{ ref('ref_jenis_jabatan') }}

),

held as (

    select distinct on (jabatan_id)
        jabatan_id,
        jabatan_nama,
        jenis_jabatan_id,
        eselon_id,
        fungsional_kelompok,
        opd_id
    from versions
    where jabatan_id is not null
    order by jabatan_id asc, valid_from desc

),

combined as (

    select
        coalesce(peta.jabatan_id, held.jabatan_id) as jabatan_id,
        coalesce(peta.jabatan_nama, held.jabatan_nama) as jabatan_nama,
        coalesce(held.jenis_jabatan_id, case when peta.eselon_id is not null then '1' end) as jenis_jabatan_id,
        coalesce(peta.eselon_id, held.eselon_id) as eselon_id,
        coalesce(peta.opd_id, held.opd_id) as opd_id,
        peta.jabatan_id is not null as is_in_peta_jabatan,
        peta.kelas_jabatan,
        peta.kebutuhan,
        held.fungsional_kelompok
    from peta
    full outer join held
        on peta.jabatan_id = held.jabatan_id

),

final as (

    select
        combined.jabatan_id,
        combined.jabatan_nama,
        combined.jenis_jabatan_id,
        jenis.jenis_jabatan_nama,
        combined.eselon_id,
        eselon.eselon_nama,
        eselon.eselon_level,
        combined.opd_id,
        combined.is_in_peta_jabatan,
        combined.kelas_jabatan,
        combined.kebutuhan,
        coalesce(combined.fungsional_kelompok = 'guru', false) as is_guru,
        coalesce(combined.fungsional_kelompok = 'kesehatan', false) as is_tenaga_kesehatan
    from combined
    left join eselon
        on combined.eselon_id = eselon.eselon_id
    left join jenis
        on combined.jenis_jabatan_id = jenis.jenis_jabatan_id

)

select * from final
