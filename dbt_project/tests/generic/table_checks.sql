{#-
    Every data check of a model (or source, or seed) at one severity, in one test and one query:
    one dbt node and one Dagster asset check per model and severity, where one test per rule
    cost a node each (a fixed dbt overhead, and three Dagster events).

    Arguments, all optional (at least one):
    - primary_key: a column or a list of columns: unique together, and each never null.
    - not_null: columns that are never null; an entry {column, where} checks only the rows
      where the condition `where` holds.
    - unique: a list of keys, each unique. A key is a column, a list of columns, or
      {columns, ignore_nulls}. Nulls count like any other value (two rows alike with a null in
      the same key column are a duplicate, as in a group by), unless ignore_nulls is true:
      then rows with a null in the key are left out (dbt's `unique`, SQL's UNIQUE).
    - valid_values: a list of {column, values} (the column takes one of `values`, compared as
      text) or {column, to, field} (the column's value is a `field` of model `to`); nulls pass.
    - primary_key_index: columns, or {columns, not_null}, that the table enforces as its key
      itself: a valid unique index on exactly these columns (on each partition, for a
      partitioned table: the key holds within each) and, unless not_null is false, NOT NULL
      on each. Read from the catalog, not from the rows: where a primary_key would
      group the whole table (18 s on the 3.8 million rows of fct_presensi_harian).

    How the rows are read: one scan groups the distinct values of every valid_values column
    (grouping sets) and counts the nulls of the not_null columns (the empty grouping set); one
    group by per key keeps only its duplicates (and, for the primary key, its nulls). Each rule
    then reads only its own distinct values. The keys are not grouping sets of the same scan:
    every aggregate of a grouping-sets query is kept for every group of every set, and the
    null counters over the groups of a key made the scan slower than two.

    Each failing row says what broke: rule_name (not_null, unique, accepted_values,
    relationships <model>.<field>, primary_key_index), column_name (the columns of a key,
    comma-separated), value (as text: the duplicated key, the unknown value; null for not_null;
    the problem for primary_key_index) and occurrences (rows). The failure count is the sum of
    occurrences, the rows that break a rule (a row breaking two rules counts twice; a missing
    index counts 1).
-#}
{% test table_checks(model, primary_key=none, not_null=none, unique=none, valid_values=none, primary_key_index=none) %}
    {{ config(fail_calc='coalesce(sum(occurrences), 0)') }}

    {#- the keys, the primary key first: {columns, primary, ignore_nulls} -#}
    {%- set keys = [] -%}
    {%- if primary_key -%}
        {%- do keys.append({
            'columns': [primary_key] if primary_key is string else primary_key,
            'primary': true,
            'ignore_nulls': true,
        }) -%}
    {%- endif -%}
    {%- for entry in unique or [] -%}
        {%- set key = entry if entry is mapping else {'columns': entry} -%}
        {%- do keys.append({
            'columns': [key.columns] if key.columns is string else key.columns,
            'primary': false,
            'ignore_nulls': key.get('ignore_nulls', false),
        }) -%}
    {%- endfor -%}

    {#- the not-null columns: {column, where} -#}
    {%- set nulls = [] -%}
    {%- for entry in not_null or [] -%}
        {%- do nulls.append(entry if entry is mapping else {'column': entry}) -%}
    {%- endfor -%}

    {#- the valid_values columns; grouping() sets the bit of each column not in the set (the
        first column is the high bit): value_<i> is grouped alone where grouping_id is
        all_ids - 2 ** (n - i), and the empty set (the null counts) is all_ids -#}
    {%- set checks = valid_values or [] -%}
    {%- set columns = [] -%}
    {%- for check in checks if check.column not in columns -%}
        {%- do columns.append(check.column) -%}
    {%- endfor -%}
    {%- if columns | length > 31 -%}
        {{ exceptions.raise_compiler_error('table_checks: at most 31 valid_values columns') }}
    {%- endif -%}
    {%- set all_ids = 2 ** (columns | length) - 1 -%}
    {%- set grouping_id = {} -%}
    {%- set value_of = {} -%}
    {%- set grouping_sets = [] -%}
    {%- for column in columns -%}
        {%- do grouping_id.update({column: all_ids - 2 ** (columns | length - loop.index)}) -%}
        {%- do value_of.update({column: 'scan.value_' ~ loop.index}) -%}
        {%- do grouping_sets.append('(' ~ column ~ ')') -%}
    {%- endfor -%}
    {%- if nulls -%}
        {%- do grouping_sets.append('()') -%}
    {%- endif -%}

    {%- set index = none -%}
    {%- if primary_key_index -%}
        {%- set index = primary_key_index if primary_key_index is mapping else {'columns': primary_key_index} -%}
    {%- endif -%}

    {%- if not (columns or nulls or keys or index) -%}
        {{ exceptions.raise_compiler_error('table_checks on ' ~ model ~ ': nothing to check') }}
    {%- endif -%}
    {#- `union all` before every rule's select but the first -#}
    {%- set rule = namespace(first=true) %}

with
    {%- if columns or nulls %}

scan as (

    select
        {%- for column in columns %}
        {{ column }} as value_{{ loop.index }},
        {%- endfor %}
        {%- if columns %}
        grouping({{ columns | join(', ') }}) as grouping_id,
        {%- endif %}
        {%- for entry in nulls %}
        count(*) filter (where {{ entry.column }} is null{% if entry.where %} and ({{ entry.where }}){% endif %}) as null_{{ loop.index }},
        {%- endfor %}
        count(*) as occurrences
    from {{ model }}
    {%- if columns %}
    group by grouping sets ({{ grouping_sets | join(', ') }})
    {%- endif %}

),
    {%- endif %}
    {%- for key in keys %}

key_{{ loop.index }} as (

    select
        {%- for column in key.columns %}
        {{ column }},
        {%- endfor %}
        count(*) as occurrences
    from {{ model }}
    group by {{ key.columns | join(', ') }}
    having
        count(*) > 1
        {%- for column in key.columns if key.primary %}
        or {{ column }} is null
        {%- endfor %}

),
    {%- endfor %}
    {%- if index %}

index_tables as (

    -- where the rows are: the table, or each partition of a partitioned table (a partitioned
    -- parent cannot hold a unique index without its partition key; each partition holds its own)
    select
        pg_class.oid as relid,
        pg_class.relname::text as relname,
        pg_class.relkind = 'p' as is_partitioned
    from pg_class
    where pg_class.oid = '{{ model }}'::regclass
    union all
    select
        pg_inherits.inhrelid,
        partition.relname::text,
        false
    from pg_inherits
    inner join pg_class as partition
        on pg_inherits.inhrelid = partition.oid
    where pg_inherits.inhparent = '{{ model }}'::regclass

),

index_columns as (

    select
        pg_attribute.attrelid,
        pg_attribute.attname::text as column_name,
        pg_attribute.attnotnull as is_not_null,
        pg_attribute.attnum
    from pg_attribute
    inner join index_tables
        on pg_attribute.attrelid = index_tables.relid
    where pg_attribute.attname::text in ('{{ index.columns | join("', '") }}')

),

index_matches as (

    -- per table holding rows: its valid unique indexes on exactly the key columns
    select
        index_tables.relname,
        count(pg_index.indexrelid) as unique_indexes
    from index_tables
    left join (
        select
            index_columns.attrelid,
            array_agg(index_columns.attnum) as attnums,
            count(*) as found
        from index_columns
        group by index_columns.attrelid
    ) as wanted
        on index_tables.relid = wanted.attrelid
    left join pg_index
        on
            wanted.attrelid = pg_index.indrelid
            and pg_index.indisunique
            and pg_index.indisvalid
            and pg_index.indpred is null
            and pg_index.indexprs is null
            and pg_index.indkey::int2[] @> wanted.attnums
            and pg_index.indkey::int2[] <@ wanted.attnums
            and wanted.found = {{ index.columns | length }}
    where not index_tables.is_partitioned
    group by index_tables.relname

),
    {%- endif %}

failures as (
    {%- if nulls %}
    {%- set rule.first = false %}

    select
        null_counts.rule_name,
        null_counts.column_name,
        null::text as value,
        null_counts.occurrences
    from scan
    cross join
        lateral (
            values
            {%- for entry in nulls %}
            ('not_null{{ (" where " ~ entry.where) if entry.where }}', '{{ entry.column }}', scan.null_{{ loop.index }}){{ ',' if not loop.last }}
            {%- endfor %}
        ) as null_counts (rule_name, column_name, occurrences)
    where
        null_counts.occurrences > 0
        {%- if columns %}
        and scan.grouping_id = {{ all_ids }}
        {%- endif %}
    {%- endif %}
    {%- for key in keys %}
    {%- set name = 'key_' ~ loop.index %}
    {%- if not rule.first %}

    union all
    {%- endif %}
    {%- set rule.first = false %}

    select
        'unique' as rule_name,
        '{{ key.columns | join(", ") }}' as column_name,
        {%- if key.columns | length == 1 %}
        {{ name }}.{{ key.columns[0] }}::text as value,
        {%- else %}
        row({{ name }}.{{ key.columns | join(', ' ~ name ~ '.') }})::text as value,
        {%- endif %}
        {{ name }}.occurrences
    from {{ name }}
    where
        {{ name }}.occurrences > 1
        {%- for column in key.columns if key.ignore_nulls %}
        and {{ name }}.{{ column }} is not null
        {%- endfor %}
    {%- for column in key.columns if key.primary %}

    union all

    select
        'not_null' as rule_name,
        '{{ column }}' as column_name,
        null::text as value,
        sum({{ name }}.occurrences)::bigint as occurrences
    from {{ name }}
    where {{ name }}.{{ column }} is null
    having count(*) > 0
    {%- endfor %}
    {%- endfor %}
    {%- for check in checks %}
    {%- set value = value_of[check.column] %}
    {%- set parent = 'parent_' ~ loop.index %}
    {%- if not rule.first %}

    union all
    {%- endif %}
    {%- set rule.first = false %}

    select
        {%- if 'values' in check %}
        'accepted_values' as rule_name,
        {%- else %}
        'relationships {{ check.to }}.{{ check.field }}' as rule_name,
        {%- endif %}
        '{{ check.column }}' as column_name,
        {{ value }}::text as value,
        scan.occurrences
    from scan
    {%- if 'values' not in check %}
    left join {{ ref(check.to) }} as {{ parent }}
        on {{ value }} = {{ parent }}.{{ check.field }}
    {%- endif %}
    where
        scan.grouping_id = {{ grouping_id[check.column] }}
        and {{ value }} is not null
        {%- if 'values' in check %}
        and {{ value }}::text not in ('{{ check['values'] | join("', '") }}')
        {%- else %}
        and {{ parent }}.{{ check.field }} is null
        {%- endif %}
    {%- endfor %}
{%- if index %}
    {%- if not rule.first %}

    union all
    {%- endif %}

    select
        'primary_key_index' as rule_name,
        '{{ index.columns | join(", ") }}' as column_name,
        'no valid unique index on exactly these columns in ' || index_matches.relname as value,
        1::bigint as occurrences
    from index_matches
    where index_matches.unique_indexes = 0
    {%- if index.get('not_null', true) %}

    union all

    select
        'primary_key_index' as rule_name,
        wanted.column_name,
        'key column is nullable' as value,
        1::bigint as occurrences
    from (values ('{{ index.columns | join("'), ('") }}')) as wanted (column_name)
    left join index_columns
        on
            wanted.column_name = index_columns.column_name
            and index_columns.attrelid = '{{ model }}'::regclass
    where not coalesce(index_columns.is_not_null, false)
    {%- endif %}
{%- endif %}

)

select * from failures

{% endtest %}
