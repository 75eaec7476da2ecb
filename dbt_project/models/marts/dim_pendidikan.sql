{#
    Tingkat pendidikan (BKN codes) and whether it counts as pendidikan tinggi under
    var('pendidikan_tinggi_min_tingkat') (default 20, Diploma I and above).
#}
with

tingkat as (

    select * from {{ ref('ref_tingkat_pendidikan') }}

),

final as (

    select
        tingkat_pendidikan_id,
        tingkat_pendidikan_nama,
        urutan,
        tingkat_pendidikan_id::integer >= {{ var('pendidikan_tinggi_min_tingkat') }} as is_pendidikan_tinggi
    from tingkat

)

select * from final
