{#
    BKD-1.3 (= PSDA-3) Persentase Pegawai ASN Berkualifikasi Pendidikan Tinggi.
    One row per active ASN at the reference date: in the denominator always, in the numerator
    when the tingkat pendidikan id reaches var('pendidikan_tinggi_min_tingkat') (default 20,
    Diploma I and above, UU 12/2012).
#}
with

active as (

    select * from {{ ref('int_pegawai_filtered_active') }}

),

evidence as (

    select
        'BKD-1.3' as indicator_code,
        'year' as period_type,
        extract(year from snapshot_date)::integer as period_year,
        snapshot_date as reference_date,
        opd_id,
        nip,
        load_batch_id,
        true as in_denominator,
        coalesce(
            tingkat_pendidikan_id ~ '^\d+$'
            and tingkat_pendidikan_id::integer >= {{ var('pendidikan_tinggi_min_tingkat') }},
            false
        ) as in_numerator
    from active

)

select * from evidence
