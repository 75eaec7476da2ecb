{#
    BKD-2.1 and PSDA-1 (the same figure): Rasio Pegawai PNS Fungsional (bukan guru dan tenaga
    kesehatan) yang Memiliki Sertifikat Kompetensi.

    Denominator: PNS (jenis_asn 'PNS': not CPNS, not PPPK) active at the reference date of the
    year / quarter (int_pegawai_at_period_end) in a jabatan fungsional tertentu
    (ref_jenis_jabatan.is_fungsional_tertentu) whose jabatan is neither guru nor tenaga
    kesehatan (fungsional_kelompok of int_pegawai_versions, from the name prefixes of
    ref_jabatan_fungsional_kelompok), in the OPD of that date.
    Numerator: holds a sertifikat kompetensi (riwayat diklat flagged is_sertifikat_kompetensi)
    finished by the reference date. Any sertifikat counts, not only one for the current jabatan.
#}
with

population as (

    select * from {{ ref('int_pegawai_at_period_end') }}

),

diklat as (

    select * from {{ ref('stg_siasn__riwayat_diklat') }}

),

jenis_jabatan as (

    select * from {{ ref('ref_jenis_jabatan') }}

),

fungsional as (

    select population.*
    from population
    inner join jenis_jabatan
        on population.jenis_jabatan_id = jenis_jabatan.jenis_jabatan_id
    where
        population.jenis_asn = 'PNS'
        and jenis_jabatan.is_fungsional_tertentu
        and coalesce(population.fungsional_kelompok, 'lainnya') not in ('guru', 'kesehatan')

),

certified as (

    select
        fungsional.period_id,
        fungsional.nip,
        max(diklat.load_batch_id) as load_batch_id
    from fungsional
    inner join diklat
        on
            fungsional.nip = diklat.nip
            and diklat.is_sertifikat_kompetensi
            and fungsional.reference_date >= diklat.tanggal_selesai
    group by fungsional.period_id, fungsional.nip

),

indicators as (

    select 'BKD-2.1' as indicator_code
    union all
    select 'PSDA-1'

),

evidence as (

    select
        indicators.indicator_code,
        fungsional.period_id,
        fungsional.opd_id,
        'pegawai' as subject_type,
        fungsional.nip as subject_id,
        fungsional.nip,
        certified.nip is not null as in_numerator,
        true as in_denominator,
        coalesce(certified.load_batch_id, fungsional.load_batch_id) as load_batch_id
    from fungsional
    left join certified
        on
            fungsional.period_id = certified.period_id
            and fungsional.nip = certified.nip
    cross join indicators

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
