{#
    BKD-2.2 Persentase Pejabat Struktural yang Memiliki Sertifikat Diklat Kepemimpinan and
    PSDA-2 Persentase Pegawai ASN yang Menduduki Jabatan Struktural ... Telah Mengikuti Diklat
    Struktural. Same denominator, different numerators.

    Denominator: definitive structural officials, i.e. ASN active at the reference date of the
    year / quarter (int_pegawai_at_period_end) in an eselon II, III or IV position
    (eselon_level 2..4) who are not Plt/Plh, in the OPD of that date.
    BKD-2.2 numerator: a leadership training (ref_diklat_kepemimpinan) finished by the
    reference date whose level matches the echelon or is higher (kepemimpinan_level <=
    eselon_level: PKN II / PIM II for eselon II, PKA / PIM III for III, PKP / PIM IV for IV).
    An eselon III official with only PKP / PIM IV does not count.
    PSDA-2 numerator: any leadership training (any ref_diklat_kepemimpinan id, or a diklat
    with jenis_diklat 'struktural') finished by the reference date, whatever its level.
#}
with

population as (

    select * from {{ ref('int_pegawai_at_period_end') }}

),

diklat as (

    select * from {{ ref('stg_siasn__riwayat_diklat') }}

),

kepemimpinan as (

    select * from {{ ref('ref_diklat_kepemimpinan') }}

),

officials as (

    select *
    from population
    where
        eselon_level between 2 and 4
        and not coalesce(is_pelaksana_tugas, false)

),

trained as (

    select
        officials.period_id,
        officials.nip,
        min(kepemimpinan.kepemimpinan_level) as best_kepemimpinan_level,
        bool_or(kepemimpinan.latihan_struktural_id is not null or diklat.jenis_diklat = 'struktural')
            as has_diklat_struktural
    from officials
    inner join diklat
        on
            officials.nip = diklat.nip
            and officials.reference_date >= diklat.tanggal_selesai
    left join kepemimpinan
        on diklat.latihan_struktural_id = kepemimpinan.latihan_struktural_id
    group by officials.period_id, officials.nip

),

flagged as (

    select
        officials.period_id,
        officials.opd_id,
        officials.nip,
        officials.load_batch_id,
        coalesce(trained.best_kepemimpinan_level <= officials.eselon_level, false) as has_matching_level,
        coalesce(trained.has_diklat_struktural, false) as has_diklat_struktural
    from officials
    left join trained
        on
            officials.period_id = trained.period_id
            and officials.nip = trained.nip

),

evidence as (

    select
        'BKD-2.2' as indicator_code,
        period_id,
        opd_id,
        'pegawai' as subject_type,
        nip as subject_id,
        nip,
        true as in_denominator,
        load_batch_id,
        has_matching_level as in_numerator
    from flagged
    union all
    select
        'PSDA-2' as indicator_code,
        period_id,
        opd_id,
        'pegawai' as subject_type,
        nip as subject_id,
        nip,
        true as in_denominator,
        load_batch_id,
        has_diklat_struktural as in_numerator
    from flagged

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
