{#
    The newest SIASN PNS export in force: one row per employee it lists. An employee missing
    from it is no longer in SIASN.
#}
with

exports as (

    select * from {{ ref('int_pegawai_exports') }}

),

newest_date as (

    select max(snapshot_date) as snapshot_date
    from exports

),

final as (

    select exports.*
    from exports
    inner join newest_date
        on exports.snapshot_date = newest_date.snapshot_date

)

select * from final
