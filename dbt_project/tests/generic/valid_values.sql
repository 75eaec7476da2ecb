{#-
    The accepted values and the references of several columns of a model, in one query:
    replaces one `accepted_values` or `relationships` test per column, each re-reading the
    model. One scan groups the distinct values of every checked column (grouping sets); each
    check then looks only at its column's distinct values. Fails once per bad value, with the
    column, the value (as text) and the number of rows holding it.

    checks: a list of {column, values} (the column takes one of `values`, compared as text)
    or {column, to, field} (the column's value is a `field` of model `to`). Nulls pass, as in
    the tests it replaces.
-#}
{% test valid_values(model, checks) %}
    {%- set columns = [] -%}
    {%- for check in checks -%}
    {%- if check.column not in columns -%}
        {%- do columns.append(check.column) -%}
    {%- endif -%}
{%- endfor %}

with

value_counts as (

    select
    {%- for column in columns %}
            {{ column }} as value_{{ loop.index }},
        {%- endfor %}
        grouping({{ columns | join(', ') }}) as grouping_id,
        count(*) as occurrences
    from {{ model }}
    group by grouping sets ({% for column in columns %}({{ column }}){{ ', ' if not loop.last }}{% endfor %})

),

failures as (

{%- for check in checks %}
        {%- set index = columns.index(check.column) + 1 %}
        {#- grouping() sets the bit of every column not grouped; the first column is the high bit #}
        {%- set grouping_id = 2 ** (columns | length) - 1 - 2 ** (columns | length - index) %}
        {{ 'union all' if not loop.first }}
        select
            '{{ check.column }}' as column_name,
            value_counts.value_{{ index }}::text as value,
            value_counts.occurrences
        from value_counts
        where
            value_counts.grouping_id = {{ grouping_id }}
            and value_counts.value_{{ index }} is not null
            {%- if 'values' in check %}
                and value_counts.value_{{ index }}::text not in ('{{ check['values'] | join("', '") }}')
            {%- else %}
                and not exists (
                    select 1
                    from {{ ref(check.to) }} as parent
                    where parent.{{ check.field }} = value_counts.value_{{ index }}
                )
            {%- endif %}
    {%- endfor %}

)

select * from failures

{% endtest %}
