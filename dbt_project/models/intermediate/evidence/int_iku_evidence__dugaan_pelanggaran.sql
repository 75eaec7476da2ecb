{#
    Counts from the register of suspected disciplinary violations
    (register_dugaan_pelanggaran), by the OPD of the case.

    INKA-6 Jumlah Laporan Penyelesaian Pelanggaran Disiplin ASN: cases closed with a decision
    dated in the period: status selesai (sanction imposed) or dihentikan (stopped for want of
    proof), both closed by a numbered decision, with tanggal_keputusan in the period.
    BPP-3 Jumlah Laporan Dugaan Pelanggaran Disiplin Seluruh OPD yang diperiksa: cases
    examined, tanggal_pemeriksaan (BAP) in the period.

    Decisions:
    - A case is a candidate row (denominator 1) in the period of its counted date; a case not
      yet closed (INKA-6) or not yet examined (BPP-3) is a candidate with numerator 0 in the
      period it was reported in, so open cases are visible in the evidence without changing
      the count.
    - opd_id = the case's OPD as the register records it (catalog breaks both down by OPD).
      subject_type 'kasus', subject_id = nomor_register.
    - Period types from the catalog (year, quarter).
#}
with

kasus as (

    select * from {{ ref('stg_register__dugaan_pelanggaran') }}

),

catalog_periods as (

    select * from {{ ref('int_iku_catalog_periods') }}

),

judged as (

    select
        'INKA-6' as indicator_code,
        nomor_register,
        nip,
        opd_id,
        load_batch_id,
        status_pemeriksaan in ('selesai', 'dihentikan') and tanggal_keputusan is not null as is_counted,
        case
            when status_pemeriksaan in ('selesai', 'dihentikan') and tanggal_keputusan is not null
                then tanggal_keputusan
            else tanggal_laporan
        end as period_date
    from kasus
    union all
    select
        'BPP-3' as indicator_code,
        nomor_register,
        nip,
        opd_id,
        load_batch_id,
        tanggal_pemeriksaan is not null as is_counted,
        coalesce(tanggal_pemeriksaan, tanggal_laporan) as period_date
    from kasus

),

evidence as (

    select
        judged.indicator_code,
        catalog_periods.period_id,
        judged.opd_id,
        'kasus' as subject_type,
        judged.nomor_register as subject_id,
        judged.nip,
        judged.is_counted as in_numerator,
        true as in_denominator,
        judged.load_batch_id
    from judged
    inner join catalog_periods
        on
            judged.indicator_code = catalog_periods.indicator_code
            and judged.period_date between catalog_periods.period_start and catalog_periods.period_end

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
