{#-
    `analyze` for a model built as a table (table, incremental): the next models join it within
    seconds, before autovacuum has looked at it, and a planner without statistics turns the
    joins on a fresh table into nested loops over thousands of rows. Nothing for views.
-#}
{% macro analyze_relation() -%}
    {%- if model.config.materialized in ['table', 'incremental'] -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
