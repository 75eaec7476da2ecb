{#
    The SIASN PNS exports in force: one row per employee and as-of date. Every delivered export
    is kept (raw.siasn_pns, one partition per file); a file delivered again under its name has
    replaced its earlier rows in the loader. When two files carry the same as-of date (a
    correction delivered under another name), the one loaded last is in force for that date.
#}
with

pns as (

    select * from {{ ref('stg_siasn__pns') }}

),

file_in_force as (

    select
        snapshot_date,
        max(load_batch_id) as load_batch_id
    from pns
    group by snapshot_date

),

final as (

    select pns.*
    from pns
    inner join file_in_force
        on
            pns.snapshot_date = file_in_force.snapshot_date
            and pns.load_batch_id = file_in_force.load_batch_id

)

select * from final
