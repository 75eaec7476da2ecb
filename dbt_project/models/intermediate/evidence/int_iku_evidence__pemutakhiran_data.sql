{#
    PINKA-2.2 Pemutakhiran Data PNS: share of ASN records complete and valid. Every ASN active
    at the reference date of the year / quarter (int_pegawai_at_period_end) is in the
    denominator, in the OPD of that date; in the numerator when the employee's record in the
    newest SIASN export (int_pegawai_newest_export) passes every check:
    - the NIP is 18 digits and digits 1-8 equal tanggal_lahir;
    - digits 9-14 equal the month of tmt_cpns (not checked for PPPK, whose NIP does not follow
      TMT CPNS);
    - mandatory fields present: tanggal_lahir, jenis_kelamin, jenis_pegawai_id,
      kedudukan_hukum_id, golongan_id, tmt_golongan, tmt_cpns, jenis_jabatan_id, jabatan_nama,
      tingkat_pendidikan_id, opd_id, and status_cpns_pns for non-PPPK;
    - codes known in the reference seeds: jenis_pegawai, kedudukan_hukum, tingkat_pendidikan,
      jenis_jabatan, eselon (when given), golongan by kind + id (ref_golongan.golongan_key),
      jenis_kelamin M or F.
    Decision: records keep no history of their validity, so past periods use the validity of
    the newest export (a record fixed since counts as valid in earlier periods too). An
    employee missing from the newest export is not valid.
#}
with

population as (

    select * from {{ ref('int_pegawai_at_period_end') }}

),

newest as (

    select * from {{ ref('int_pegawai_newest_export') }}

),

jenis_pegawai as (

    select * from {{ ref('ref_jenis_pegawai') }}

),

kedudukan_hukum as (

    select * from {{ ref('ref_kedudukan_hukum') }}

),

tingkat_pendidikan as (

    select * from {{ ref('ref_tingkat_pendidikan') }}

),

jenis_jabatan as (

    select * from {{ ref('ref_jenis_jabatan') }}

),

eselon as (

    select * from {{ ref('ref_eselon') }}

),

golongan as (

    select * from {{ ref('ref_golongan') }}

),

checked as (

    select
        newest.nip,
        coalesce(jenis_pegawai.is_pppk, false) as is_pppk,
        coalesce(newest.nip ~ '^\d{18}$', false) as is_nip_format_valid,
        coalesce(newest.nip_tanggal_lahir = newest.tanggal_lahir, false) as is_nip_lahir_valid,
        coalesce(
            jenis_pegawai.is_pppk or newest.nip_tmt_cpns = date_trunc('month', newest.tmt_cpns)::date,
            false
        ) as is_nip_tmt_cpns_valid,
        (
            newest.tanggal_lahir is not null
            and newest.jenis_kelamin is not null
            and newest.jenis_pegawai_id is not null
            and newest.kedudukan_hukum_id is not null
            and newest.golongan_id is not null
            and newest.tmt_golongan is not null
            and newest.tmt_cpns is not null
            and newest.jenis_jabatan_id is not null
            and nullif(trim(newest.jabatan_nama), '') is not null
            and newest.tingkat_pendidikan_id is not null
            and newest.opd_id is not null
            and (coalesce(jenis_pegawai.is_pppk, false) or newest.status_cpns_pns is not null)
        ) as is_complete,
        (
            jenis_pegawai.jenis_pegawai_id is not null
            and kedudukan_hukum.kedudukan_hukum_id is not null
            and tingkat_pendidikan.tingkat_pendidikan_id is not null
            and jenis_jabatan.jenis_jabatan_id is not null
            and (newest.eselon_id is null or eselon.eselon_id is not null)
            and golongan.golongan_key is not null
            and coalesce(newest.jenis_kelamin in ('M', 'F'), false)
        ) as is_codes_known,
        newest.load_batch_id
    from newest
    left join jenis_pegawai
        on newest.jenis_pegawai_id = jenis_pegawai.jenis_pegawai_id
    left join kedudukan_hukum
        on newest.kedudukan_hukum_id = kedudukan_hukum.kedudukan_hukum_id
    left join tingkat_pendidikan
        on newest.tingkat_pendidikan_id = tingkat_pendidikan.tingkat_pendidikan_id
    left join jenis_jabatan
        on newest.jenis_jabatan_id = jenis_jabatan.jenis_jabatan_id
    left join eselon
        on newest.eselon_id = eselon.eselon_id
    left join golongan
        on
            golongan.golongan_key
            = case when jenis_pegawai.is_pppk then 'PPPK-' else 'PNS-' end || newest.golongan_id

),

evidence as (

    select
        'PINKA-2.2' as indicator_code,
        population.period_id,
        population.opd_id,
        'pegawai' as subject_type,
        population.nip as subject_id,
        population.nip,
        coalesce(
            checked.is_nip_format_valid
            and checked.is_nip_lahir_valid
            and checked.is_nip_tmt_cpns_valid
            and checked.is_complete
            and checked.is_codes_known,
            false
        ) as in_numerator,
        true as in_denominator,
        coalesce(checked.load_batch_id, population.load_batch_id) as load_batch_id
    from population
    left join checked
        on population.nip = checked.nip

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
