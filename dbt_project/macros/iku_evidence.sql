{#-
    The evidence models (models/intermediate/evidence/): one row per indicator, period and
    subject, in one shape, which fct_iku_evidence unions and fct_iku sums. The shape is written
    here once; the folder's YAML declares the same columns as each model's enforced contract,
    so a model that drifts from it fails its build.

    Every evidence model ends with

        final as (

            {{ iku_evidence_final('evidence') }}

        )

        select * from final

    where `evidence` (a CTE) carries the columns by name: indicator_code, period_id, opd_id,
    subject_type, subject_id, nip, in_numerator, in_denominator, load_batch_id. The amounts
    default to in_numerator / in_denominator as 1 or 0 (a count); a model whose subjects carry
    an amount or a score passes the expressions (numerator_amount='realisasi').
-#}

{#- The columns of an evidence row, in order, with their types. -#}
{% macro iku_evidence_columns() %}
    {%- set columns = [
        {'name': 'indicator_code', 'data_type': 'text'},
        {'name': 'period_id', 'data_type': 'text'},
        {'name': 'opd_id', 'data_type': 'text'},
        {'name': 'subject_type', 'data_type': 'text'},
        {'name': 'subject_id', 'data_type': 'text'},
        {'name': 'nip', 'data_type': 'text'},
        {'name': 'in_numerator', 'data_type': 'boolean'},
        {'name': 'in_denominator', 'data_type': 'boolean'},
        {'name': 'load_batch_id', 'data_type': 'bigint'},
        {'name': 'numerator_amount', 'data_type': 'numeric'},
        {'name': 'denominator_amount', 'data_type': 'numeric'},
    ] -%}
    {{ return(columns) }}
{% endmacro %}

{#- The final select of an evidence model: every column of the shape, cast to its type. -#}
{% macro iku_evidence_final(
    evidence,
    numerator_amount='in_numerator::integer',
    denominator_amount='in_denominator::integer'
) -%}
    {%- set amounts = {'numerator_amount': numerator_amount, 'denominator_amount': denominator_amount} -%}
    select
    {%- for column in iku_evidence_columns() %}
        {% if column.name in amounts -%}
            ({{ amounts[column.name] }})::{{ column.data_type }}
        {%- else -%}
            {{ evidence }}.{{ column.name }}::{{ column.data_type }}
        {%- endif %} as {{ column.name }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ evidence }}
{%- endmacro %}

{#-
    The evidence models, from the project graph: every enabled model in
    models/intermediate/evidence/, by name. The graph exists only once the project is parsed,
    so the list is empty while dbt parses it (execute false).

    union_model: the model that unions them (fct_iku_evidence). dbt orders the build by the
    refs it reads while parsing, when this list is still empty, so that model names each
    evidence model in a depends_on line as well; the compilation stops, naming the model, when
    one of the folder has no such line (or when the folder holds no model at all).
-#}
{% macro iku_evidence_models(union_model) %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set models = [] -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model'
            and node.package_name == project_name
            and node.fqn[1:-1] == ['intermediate', 'evidence'] -%}
            {%- do models.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not models -%}
        {%- do exceptions.raise_compiler_error('no evidence model in models/intermediate/evidence/') -%}
    {%- endif -%}
    {%- for node in models if node.unique_id not in union_model.depends_on.nodes -%}
        {%- do exceptions.raise_compiler_error(
            node.name ~ ' is an evidence model (models/intermediate/evidence/) but '
            ~ union_model.name ~ ' does not depend on it: add its depends_on line to '
            ~ union_model.original_file_path
        ) -%}
    {%- endfor -%}
    {{ return(models | sort(attribute='name')) }}
{% endmacro %}

{#-
    Every evidence model's rows (iku_evidence_models), as one union all; while dbt parses the
    project, the shape without rows.
-#}
{% macro iku_evidence_union(union_model) -%}
    {%- set columns = iku_evidence_columns() -%}
    {%- set selects = [] -%}
    {%- for node in iku_evidence_models(union_model) -%}
        {%- do selects.append(
            'select ' ~ (columns | map(attribute='name') | join(', ')) ~ ' from ' ~ ref(node.name)
        ) -%}
    {%- endfor -%}
    {%- if not selects -%}
        {%- set nulls = [] -%}
        {%- for column in columns -%}
            {%- do nulls.append('null::' ~ column.data_type ~ ' as ' ~ column.name) -%}
        {%- endfor -%}
        {%- do selects.append('select ' ~ (nulls | join(', ')) ~ ' where false') -%}
    {%- endif -%}
    {{ selects | join('\n    union all\n    ') }}
{%- endmacro %}
