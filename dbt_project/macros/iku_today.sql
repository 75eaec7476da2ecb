{#-
    "Today" for the figures, never the wall clock: var('iku_today') ('YYYY-MM-DD'), else the
    environment's IKU_TODAY, else 31 December of var('iku_first_year'). Used only where no delivered data gives a date
    (int_periods without any SIASN export).
-#}
{% macro iku_today() -%}
    {%- set today = var('iku_today', env_var('IKU_TODAY', '')) -%}
    {%- if today -%}
        cast('{{ today }}' as date)
    {%- else -%}
        make_date({{ var('iku_first_year') }}, 12, 31)
    {%- endif -%}
{%- endmacro %}
