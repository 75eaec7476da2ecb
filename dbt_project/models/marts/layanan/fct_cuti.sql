{#
    Leave requests (SIMPEG tb_cuti), one row per request: the employee's OPD on the request
    date, the kind of leave, and the days to a decision against var('layanan_standar_hari').
    NIP only: the leave address is never loaded.
#}
with

cuti as (

    select * from {{ ref('stg_simpeg__cuti') }}

),

jenis_cuti as (

    select * from {{ ref('stg_simpeg__ref_jenis_cuti') }}

),

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

final as (

    select
        cuti.cuti_id,
        cuti.nip,
        opd_at.opd_id,
        cuti.kd_jenis_cuti,
        jenis_cuti.nama_jenis_cuti,
        cuti.tgl_usul,
        cuti.tgl_mulai,
        cuti.tgl_selesai,
        cuti.lama_hari,
        cuti.tgl_keputusan,
        cuti.status_usulan,
        cuti.no_sk,
        cuti.tgl_keputusan - cuti.tgl_usul as hari_sampai_keputusan,
        cuti.tgl_keputusan is not null as is_diputuskan,
        coalesce(cuti.tgl_keputusan - cuti.tgl_usul <= {{ var('layanan_standar_hari') }}, false)
            as is_dalam_standar,
        cuti.load_batch_id
    from cuti
    left join jenis_cuti
        on cuti.kd_jenis_cuti = jenis_cuti.kd_jenis_cuti
    left join lateral (
        select versions.opd_id
        from versions
        where versions.nip = cuti.nip
        order by
            ({{ version_valid_on('versions', 'cuti.nip', 'cuti.tgl_usul') }}) desc,
            abs(versions.valid_from - cuti.tgl_usul) asc
        limit 1
    ) as opd_at on true

)

select * from final
