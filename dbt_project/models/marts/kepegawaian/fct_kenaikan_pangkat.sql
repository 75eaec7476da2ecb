{#
    Kenaikan pangkat: one row per riwayat golongan record (the initial CPNS/PPPK appointment
    and every later promotion), with the golongan decoded through ref_golongan by kind + id
    (SIASN's numeric ids collide: 21 is II/a for a PNS and V for a PPPK). The kind is PPPK when
    the employee's newest version in int_pegawai_versions is a PPPK, else PNS; it is null (and
    so is the decoded golongan) for an employee unknown to the SIASN exports. The previous
    golongan is the record before it for the same employee. OPD = the employee's OPD on the
    TMT (the version valid that day, else the newest).
#}
with

riwayat_golongan as (

    select * from {{ ref('stg_siasn__riwayat_golongan') }}

),

versions as (

    select * from {{ ref('int_pegawai_versions') }}

),

golongan as (

    select * from {{ ref('ref_golongan') }}

),

employee_kind as (

    select distinct on (nip)
        nip,
        case when jenis_asn = 'PPPK' then 'PPPK' else 'PNS' end as golongan_kind
    from versions
    order by nip asc, valid_from desc

),

keyed as (

    select
        row_number() over () as keyed_row,
        riwayat_golongan.*,
        employee_kind.golongan_kind,
        employee_kind.golongan_kind || '-' || riwayat_golongan.golongan_id as golongan_key,
        lag(riwayat_golongan.golongan_id) over (
            partition by riwayat_golongan.nip
            order by riwayat_golongan.tmt_golongan, riwayat_golongan.riwayat_golongan_id
        ) as previous_golongan_id
    from riwayat_golongan
    left join employee_kind
        on riwayat_golongan.nip = employee_kind.nip

),

opd_at as (

    -- the version valid on the TMT, else the newest: a set-based join (a few versions per
    -- employee) ranked per record
    select distinct on (keyed.keyed_row)
        keyed.keyed_row,
        versions.opd_id
    from keyed
    left join versions
        on keyed.nip = versions.nip
    order by
        keyed.keyed_row asc,
        ({{ version_valid_on('versions', 'keyed.nip', 'keyed.tmt_golongan') }}) desc,
        versions.valid_from desc

),

final as (

    select
        keyed.riwayat_golongan_id as kenaikan_pangkat_id,
        keyed.nip,
        opd_at.opd_id,
        keyed.golongan_kind,
        keyed.golongan_key,
        keyed.golongan_id,
        golongan.golongan_nama,
        golongan.pangkat_nama,
        golongan.urutan as golongan_urutan,
        keyed.golongan_kind || '-' || keyed.previous_golongan_id as previous_golongan_key,
        keyed.jenis_kp,
        keyed.previous_golongan_id is not null as is_kenaikan,
        keyed.no_sk,
        keyed.tgl_sk,
        keyed.tmt_golongan,
        extract(year from keyed.tmt_golongan)::integer as tmt_tahun,
        keyed.mk_tahun,
        keyed.mk_bulan,
        keyed.load_batch_id
    from keyed
    left join golongan
        on keyed.golongan_key = golongan.golongan_key
    left join opd_at
        on keyed.keyed_row = opd_at.keyed_row

)

select * from final
