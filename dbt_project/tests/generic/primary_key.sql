{#-
    A primary key: unique and never null, checked in one scan (one group by) instead of a
    `unique` and a `not_null` test reading the same rows twice. Fails for each duplicated
    value, and once for the null group.
-#}
{% test primary_key(model, column_name) %}

select
    {{ column_name }} as key_value,
    count(*) as occurrences
from {{ model }}
group by {{ column_name }}
having count(*) > 1 or {{ column_name }} is null

{% endtest %}
