{#-
    The employee's version valid on a date: the project's one definition of "the version of
    int_pegawai_versions on day d" (docs/indicators.md, "The employee's version on a date").

    A version holds from valid_from (inclusive) to valid_to (exclusive); valid_to null means it
    is still open. On the day of a change the new version holds and the old one no longer does
    (it held up to the day before). int_pegawai_versions closes each version at the next one's
    valid_from, so one version at most matches an employee and a day.

    A join condition, for any join (inner, left, lateral, exists):

        left join versions
            on {{ version_valid_on('versions', 'episodes.nip', 'episodes.due_date') }}

    or, to take the version valid on the date and another one when none is (the newest, the
    nearest), as the first key of a ranking:

        order by ({{ version_valid_on('versions', 'cuti.nip', 'cuti.tgl_usul') }}) desc,
            versions.valid_from desc

    For the last day before a date (the last day in service before a TMT pensiun), pass
    `tmt - 1`.

    versions: the alias of int_pegawai_versions in the query; nip, on_date: SQL expressions.
-#}
{% macro version_valid_on(versions, nip, on_date) -%}
    {{ versions }}.nip = {{ nip }}
    and {{ versions }}.valid_from <= {{ on_date }}
    and ({{ versions }}.valid_to is null or {{ on_date }} < {{ versions }}.valid_to)
{%- endmacro %}
