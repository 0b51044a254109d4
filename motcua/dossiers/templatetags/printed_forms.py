"""`{% printed_forms dossier events as forms %}`: the forms the dossier page links, each
with the number of the instrument in force on its date (`printing.printed_forms`)."""

from django import template

from motcua.dossiers import printing

register = template.Library()


@register.simple_tag
def printed_forms(dossier, events):
    return printing.printed_forms(dossier, events)
