{#
    Evidence behind every computed indicator: one row per indicator, period and subject (an
    employee by NIP only, a position, a case, a service request, a document, a report),
    flagged for numerator and denominator. fct_iku is aggregated from this model, so any
    figure can be recomputed by hand from it: sum numerator_amount and denominator_amount
    for an indicator, period and scope.
#}
{%- set evidence_models = [
    'int_iku_evidence__pendidikan_tinggi',
    'int_iku_evidence__nilai_eksternal',
    'int_iku_evidence__hukuman_disiplin',
    'int_iku_evidence__jabatan_terisi',
    'int_iku_evidence__diklat_kepemimpinan',
    'int_iku_evidence__sertifikasi_fungsional',
    'int_iku_evidence__diklat_selesai',
    'int_iku_evidence__profil_talenta',
    'int_iku_evidence__pemutakhiran_data',
    'int_iku_evidence__satyalancana',
    'int_iku_evidence__pensiun',
    'int_iku_evidence__kenaikan_pangkat',
    'int_iku_evidence__tugas_belajar',
    'int_iku_evidence__rekap_skp',
    'int_iku_evidence__dokumen',
    'int_iku_evidence__laporan_keuangan',
    'int_iku_evidence__layanan',
    'int_iku_evidence__dugaan_pelanggaran',
    'int_iku_evidence__usulan_cuti_mutasi',
    'int_iku_evidence__kgb',
    'int_iku_evidence__formasi',
    'int_iku_evidence__rekap_presensi',
] %}

with

{% for model in evidence_models %}
    {{ model }} as (

        select * from {{ ref(model) }}

    ),

{% endfor -%}

periods as (

    select * from {{ ref('int_periods') }}

),

catalog as (

    select * from {{ ref('iku_catalog') }}

),

unioned as (

    {% for model in evidence_models -%}
        select
            indicator_code,
            period_id,
            opd_id,
            subject_type,
            subject_id,
            nip,
            in_numerator,
            in_denominator,
            numerator_amount,
            denominator_amount,
            load_batch_id
        from {{ model }}
        {% if not loop.last %}union all
        {% endif -%}
    {% endfor %}

),

final as (

    select
        {{ surrogate_key([
            'unioned.indicator_code', 'unioned.period_id', 'unioned.subject_type', 'unioned.subject_id'
        ]) }}
            as evidence_id,
        unioned.indicator_code,
        periods.period_id,
        periods.period_type,
        periods.period_year,
        periods.period_start,
        periods.period_end,
        periods.reference_date,
        unioned.opd_id,
        unioned.subject_type,
        unioned.subject_id,
        unioned.nip,
        unioned.in_numerator,
        unioned.in_denominator,
        unioned.numerator_amount,
        unioned.denominator_amount,
        unioned.load_batch_id
    from unioned
    inner join periods
        on unioned.period_id = periods.period_id
    inner join catalog
        on unioned.indicator_code = catalog.indicator_code
    where periods.period_type = any(string_to_array(catalog.periods, '|'))

)

select * from final
