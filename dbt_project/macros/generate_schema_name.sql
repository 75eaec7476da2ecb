{#
    Use a model's custom schema name as it is (staging, intermediate, marts_build, reference)
    instead of dbt's default <target_schema>_<custom>, so that analysts find the layers under
    stable names. Each environment (tests, CI, production) gets its own database instead.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
