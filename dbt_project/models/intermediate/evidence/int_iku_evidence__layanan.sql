{#
    Service-register indicators (register_layanan, the sub-bidang's Buku Register). Every
    request received in the period (tanggal_usul in the period) of the registers the seed
    ref_layanan_indikator assigns to the indicator is in the denominator; the numerator holds
    those that meet the seed's rule:
    - MUT-1 (NIP, KARPEG, KARIS_KARSU), SMK-3 (PELANTIKAN_JF), SMK-4 (PELANTIKAN_STRUKTURAL):
      `selesai` = completed (status selesai);
    - PEN-1 (NIP, KARPEG, KARIS_KARSU): `dalam_standar` = completed with the SK dated at most
      var('layanan_standar_hari') (default 14) calendar days after the request;
    - PEN-2 (SK_PENSIUN): `sebelum_tmt` = completed with the SK dated strictly before the TMT
      pensiun;
    - SMK-1 (SK_KP): `paling_lambat_tmt` = completed with the SK dated on or before the TMT of
      the kenaikan pangkat.

    Decisions:
    - Faithful to the catalog's "/ entries received": requests still in process and refused
      requests (ditolak) stay in the denominator and count against; completion is judged at
      the data date, so a request received in December and completed in January counts as
      completed for the year it was received in.
    - A completed entry without a TANGGAL SK (or without a TMT, for the TMT rules) cannot show
      it met a dated rule: numerator 0.
    - opd_id = the OPD the register writes for the request (these indicators are agency-only
      in the catalog; the OPD is kept for the evidence). subject_type 'layanan'.
    - Period types from the catalog (year, quarter).
#}
with

layanan as (

    select * from {{ ref('stg_register__layanan') }}

),

layanan_indikator as (

    select * from {{ ref('ref_layanan_indikator') }}

),

catalog_periods as (

    select * from {{ ref('int_iku_catalog_periods') }}

),

judged as (

    select
        layanan_indikator.indicator_code,
        layanan.layanan_id,
        layanan.nip,
        layanan.opd_id,
        layanan.tanggal_usul,
        layanan.load_batch_id,
        coalesce(
            layanan.status = 'selesai'
            and case layanan_indikator.aturan
                when 'selesai' then true
                when 'dalam_standar'
                    then layanan.tanggal_sk - layanan.tanggal_usul <= {{ var('layanan_standar_hari') }}
                when 'sebelum_tmt' then layanan.tanggal_sk < layanan.tmt
                when 'paling_lambat_tmt' then layanan.tanggal_sk <= layanan.tmt
            end,
            false
        ) as in_numerator
    from layanan
    inner join layanan_indikator
        on layanan.jenis_layanan = layanan_indikator.jenis_layanan

),

evidence as (

    select
        judged.indicator_code,
        catalog_periods.period_id,
        judged.opd_id,
        'layanan' as subject_type,
        judged.layanan_id as subject_id,
        judged.nip,
        judged.in_numerator,
        true as in_denominator,
        judged.load_batch_id
    from judged
    inner join catalog_periods
        on
            judged.indicator_code = catalog_periods.indicator_code
            and judged.tanggal_usul between catalog_periods.period_start and catalog_periods.period_end

),

final as (

    {{ iku_evidence_final('evidence') }}

)

select * from final
