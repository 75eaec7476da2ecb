{#-
    Attendance models built incrementally by month (fct_presensi_harian,
    int_presensi__opd_bulan, mrt_rekap_presensi_bulanan).

    Invariant: after every build, each month of such a model holds exactly the rows a full
    build would give it. A month is rebuilt when the fingerprint of everything its rows are
    computed from (int_presensi__bulan_sumber: the raw load batches of the month, its calendar
    days, the employee versions valid in it, the status codes, the coverage bounds) or the
    model's code differs from the one recorded when the month was last built; months that left
    the coverage are deleted. `dbt build --full-refresh` rebuilds everything.

    The record is intermediate.incremental_month_ledger, keyed by the table's OID rather than
    its name: publish renames schema marts_build to marts and back, so a table under a name may
    be another build than the one recorded under that name; the OID follows the table.

    Model config: month_date_column (the date column the
    months are cut on), incremental_strategy='replace_months'.
-#}

{% macro month_ledger() -%}
    intermediate.incremental_month_ledger
{%- endmacro %}

{% macro create_month_ledger() %}
    create schema if not exists intermediate;
    create table if not exists {{ month_ledger() }} (
        relation_oid        oid not null,
        month_id            text not null,
        source_fingerprint  text not null,
        code_checksum       text not null,
        built_at            timestamptz not null default now(),
        primary key (relation_oid, month_id)
    );
    -- records of tables dropped since (a full refresh creates a new table)
    delete from {{ month_ledger() }} where relation_oid not in (select oid from pg_class);
{% endmacro %}

{#- The months ('YYYY-MM') of this model to delete and build again, in order. -#}
{% macro months_to_rebuild() %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set fingerprints = ref('int_presensi__bulan_sumber') -%}
    {%- set query -%}
        with recorded as (
            select month_id, source_fingerprint, code_checksum
            from {{ month_ledger() }}
            where relation_oid = '{{ this }}'::regclass::oid
        )
        select current.month_id
        from {{ fingerprints }} as current
        left join recorded on current.month_id = recorded.month_id
        where
            recorded.source_fingerprint is distinct from current.source_fingerprint
            or recorded.code_checksum is distinct from '{{ model.checksum.checksum }}'
        union
        select recorded.month_id
        from recorded
        where recorded.month_id not in (select month_id from {{ fingerprints }})
        order by 1
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{% endmacro %}

{#- A condition on a date column: the date falls in one of the months (false for none). -#}
{% macro in_months(date_column, months) -%}
    {%- if months | length == 0 -%}
        false
    {%- else -%}
        (
        {%- for month in months %}
            {{ 'or ' if not loop.first }}{{ date_column }} between date '{{ month }}-01'
                and (date '{{ month }}-01' + interval '1 month - 1 day')::date
        {%- endfor %}
        )
    {%- endif -%}
{%- endmacro %}

{#- Post-hook: record the months of this table as built from the current fingerprints. -#}
{% macro record_built_months() -%}
    delete from {{ month_ledger() }} where relation_oid = '{{ this }}'::regclass::oid;
    insert into {{ month_ledger() }} (relation_oid, month_id, source_fingerprint, code_checksum)
    select '{{ this }}'::regclass::oid, month_id, source_fingerprint, '{{ model.checksum.checksum }}'
    from {{ ref('int_presensi__bulan_sumber') }}
{%- endmacro %}

{#- incremental_strategy='replace_months': delete the months to rebuild, insert the new rows. -#}
{% macro get_incremental_replace_months_sql(arg_dict) %}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set date_column = config.get('month_date_column') -%}
    {%- set fingerprints = ref('int_presensi__bulan_sumber') -%}
    delete from {{ arg_dict['target_relation'] }}
    where
        {{ in_months(date_column, months_to_rebuild()) }}
        -- rows outside the coverage, whatever the ledger says
        or not coalesce(
            {{ date_column }} between (select min(build_start) from {{ fingerprints }})
            and (select max(build_end) from {{ fingerprints }}),
            false
        );
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{% endmacro %}
