{#-
    Not null on several columns of a model in one scan: one row per column that holds nulls,
    with the number of null rows (the failure count is their sum). Replaces one `not_null`
    test per column, each re-reading the model.
-#}
{% test not_null_columns(model, columns) %}
    {{ config(fail_calc='coalesce(sum(null_rows), 0)') }}

with

counts as (

    select
    {%- for column in columns %}
        count(*) filter (where {{ column }} is null) as null_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}

)

select
    checked.column_name,
    checked.null_rows
from counts
cross join lateral (
    values
{%- for column in columns %}
        ('{{ column }}', counts.null_{{ loop.index }}){{ ',' if not loop.last }}
    {%- endfor %}
) as checked (column_name, null_rows)
where checked.null_rows > 0

{% endtest %}
