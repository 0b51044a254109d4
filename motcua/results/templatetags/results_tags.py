"""`{% result_panel dossier %}`: the electronic result of a dossier on the officer's dossier
page (its status, the last signing error, the certificate); `{% result_panel dossier
"applicant" %}` on the applicant's own page (signed or being signed, the download and
verification links; no internal errors). One query, and only for a dossier with a result."""

from django import template

from motcua.dossiers.workflow import Status as DossierStatus
from motcua.results import document, links
from motcua.results.models import ResultDocument

register = template.Library()

WITH_RESULT = (DossierStatus.RESULT_READY, DossierStatus.RETURNED)


@register.inclusion_tag("results/_dossier_result.html")
def result_panel(dossier, audience="officer"):
    if dossier is None or dossier.status not in WITH_RESULT:
        return {}
    result = (
        ResultDocument.objects.select_related("agency", "dossier").filter(dossier=dossier).first()
    )
    applicant = audience == "applicant"
    if applicant and result is None:
        return {}
    return {
        "applicant": applicant,
        "expected": True,
        "result": result,
        "number": document.number_text(result) if result is not None else "",
        "verify_path": links.path_for(dossier.code) if result is not None else "",
    }
