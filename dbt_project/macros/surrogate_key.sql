{#- md5 of the given expressions, nulls as a marker: our own, since dbt hub packages are unreachable. -#}
{% macro surrogate_key(expressions) -%}
    md5(concat_ws('||'
    {%- for expression in expressions %},
        coalesce(cast({{ expression }} as text), '_null_')
    {%- endfor %}
    ))
{%- endmacro %}
