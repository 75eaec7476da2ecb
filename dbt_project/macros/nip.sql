{#-
    Parts of an 18-digit NIP (Perka BKN 22/2007): yyyymmdd birth date, yyyymm TMT CPNS,
    gender digit, sequence. Each macro returns null instead of failing on a malformed NIP.
-#}
{% macro yyyymmdd_to_date(expression) -%}
    {#- nested CASE, because PostgreSQL does not promise to evaluate AND operands in order -#}
    case
        when {{ expression }} ~ '^\d{8}$'
            and substr({{ expression }}, 1, 4) between '1900' and '2100'
            and substr({{ expression }}, 5, 2) between '01' and '12'
            and substr({{ expression }}, 7, 2) between '01' and '31'
            then case
                when substr({{ expression }}, 7, 2)::integer <= extract(
                    day from make_date(
                        substr({{ expression }}, 1, 4)::integer, substr({{ expression }}, 5, 2)::integer, 1
                    ) + interval '1 month - 1 day'
                )
                    then make_date(
                        substr({{ expression }}, 1, 4)::integer,
                        substr({{ expression }}, 5, 2)::integer,
                        substr({{ expression }}, 7, 2)::integer
                    )
            end
    end
{%- endmacro %}

{% macro nip_birth_date(nip) -%}
    {{ yyyymmdd_to_date('substr(' ~ nip ~ ', 1, 8)') }}
{%- endmacro %}

{% macro nip_tmt_cpns(nip) -%}
    case
        when substr({{ nip }}, 9, 6) ~ '^\d{6}$'
            and substr({{ nip }}, 9, 4) between '1900' and '2100'
            and substr({{ nip }}, 13, 2) between '01' and '12'
            then make_date(substr({{ nip }}, 9, 4)::integer, substr({{ nip }}, 13, 2)::integer, 1)
    end
{%- endmacro %}

{% macro nip_gender(nip) -%}
    case substr({{ nip }}, 15, 1) when '1' then 'pria' when '2' then 'wanita' end
{%- endmacro %}
