{#-
    PostgreSQL's JIT compiler off for dbt's statements. The planner over-estimates the
    generate_series and range joins of the attendance grid by orders of magnitude, so queries
    of a few thousand rows cross jit_above_cost and spend 10-20 s compiling (316 functions over
    the partitions of raw.presensi_harian) for a millisecond of work; warehouse queries here
    are joins and sorts, where JIT gains little. Models get it through the project's
    `sql_header` (dbt_project.yml); data tests through get_test_sql below.
-#}
{% macro jit_off() -%}
    set local jit = off;
{%- endmacro %}

{#- dbt's get_test_sql, with the JIT off for the test's query (one round trip, same result). -#}
{% macro postgres__get_test_sql(main_sql, fail_calc, warn_if, error_if, limit) -%}
    {{ jit_off() }}
    {{ default__get_test_sql(main_sql, fail_calc, warn_if, error_if, limit) }}
{%- endmacro %}
