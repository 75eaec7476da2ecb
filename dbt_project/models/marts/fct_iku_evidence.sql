{#
    Evidence behind every computed indicator: one row per indicator, period and subject (an
    employee by NIP only, a position, a case, a service request, a document, a report),
    flagged for numerator and denominator. fct_iku is aggregated from this model, so any
    figure can be recomputed by hand from it: sum numerator_amount and denominator_amount
    for an indicator, period and scope.
#}
{#-
    The rows are those of every model in models/intermediate/evidence/, found in the project
    graph (iku_evidence_union, macros/iku_evidence.sql): a model put in that folder is unioned
    here. dbt orders the build by the refs it reads while parsing the project, before that
    graph exists (graph.nodes is empty then), so the union alone would give dbt no edge to the
    evidence models: each is also named in a depends_on line below, and the compilation stops,
    naming the model, when one of the folder has none.
-#}
-- depends_on: {{ ref('int_iku_evidence__diklat_kepemimpinan') }}
-- depends_on: {{ ref('int_iku_evidence__diklat_selesai') }}
-- depends_on: {{ ref('int_iku_evidence__dokumen') }}
-- depends_on: {{ ref('int_iku_evidence__dugaan_pelanggaran') }}
-- depends_on: {{ ref('int_iku_evidence__formasi') }}
-- depends_on: {{ ref('int_iku_evidence__hukuman_disiplin') }}
-- depends_on: {{ ref('int_iku_evidence__jabatan_terisi') }}
-- depends_on: {{ ref('int_iku_evidence__kenaikan_pangkat') }}
-- depends_on: {{ ref('int_iku_evidence__kgb') }}
-- depends_on: {{ ref('int_iku_evidence__laporan_keuangan') }}
-- depends_on: {{ ref('int_iku_evidence__layanan') }}
-- depends_on: {{ ref('int_iku_evidence__nilai_eksternal') }}
-- depends_on: {{ ref('int_iku_evidence__pemutakhiran_data') }}
-- depends_on: {{ ref('int_iku_evidence__pendidikan_tinggi') }}
-- depends_on: {{ ref('int_iku_evidence__pensiun') }}
-- depends_on: {{ ref('int_iku_evidence__profil_talenta') }}
-- depends_on: {{ ref('int_iku_evidence__rekap_presensi') }}
-- depends_on: {{ ref('int_iku_evidence__rekap_skp') }}
-- depends_on: {{ ref('int_iku_evidence__satyalancana') }}
-- depends_on: {{ ref('int_iku_evidence__sertifikasi_fungsional') }}
-- depends_on: {{ ref('int_iku_evidence__tugas_belajar') }}
-- depends_on: {{ ref('int_iku_evidence__usulan_cuti_mutasi') }}

with

catalog_periods as (

    select * from {{ ref('int_iku_catalog_periods') }}

),

unioned as (

    {{ iku_evidence_union(model) }}

),

final as (

    select
        {{ surrogate_key([
            'unioned.indicator_code', 'unioned.period_id', 'unioned.subject_type', 'unioned.subject_id'
        ]) }}
            as evidence_id,
        unioned.indicator_code,
        catalog_periods.period_id,
        catalog_periods.period_type,
        catalog_periods.period_year,
        catalog_periods.period_start,
        catalog_periods.period_end,
        catalog_periods.reference_date,
        unioned.opd_id,
        unioned.subject_type,
        unioned.subject_id,
        unioned.nip,
        unioned.in_numerator,
        unioned.in_denominator,
        unioned.numerator_amount,
        unioned.denominator_amount,
        unioned.load_batch_id
    -- only the periods the catalog computes the indicator for
    from unioned
    inner join catalog_periods
        on
            unioned.indicator_code = catalog_periods.indicator_code
            and unioned.period_id = catalog_periods.period_id

)

select * from final
