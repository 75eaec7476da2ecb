{#-
    Capaian (achievement, %) of a value against its target. Higher is better: value / target
    x 100. Lower is better (the discipline ratio): (2 x target - value) / target x 100, not
    below 0, and 100 when both are zero. Null when value or target is missing.
-#}
{% macro capaian(value, target, direction) -%}
    case
        when {{ value }} is null or {{ target }} is null then null
        when {{ direction }} = 'lower' and {{ target }} = 0
            then case when {{ value }} = 0 then 100 else 0 end
        when {{ target }} = 0 then null
        when {{ direction }} = 'lower'
            then greatest(0, round(100 * (2 * {{ target }} - {{ value }}) / {{ target }}, 2))
        else round(100 * {{ value }} / {{ target }}, 2)
    end
{%- endmacro %}
