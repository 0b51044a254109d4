"""The personal data store as a source of reused documents for the online application
(motcua/eforms/reuse.py): registered in StoreConfig.ready."""

from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.eforms import reuse
from motcua.store import services


class StoreSource:
    def candidates(self, account, required_document) -> list[reuse.Candidate]:
        return [
            reuse.Candidate(
                id=str(item.pk),
                title=item.title,
                source=_("from dossier %(code)s, %(agency)s, %(date)s")
                % {
                    "code": item.dossier.code,
                    "agency": item.agency.name,
                    "date": timezone.localtime(item.obtained_at).strftime("%d/%m/%Y"),
                },
            )
            for item in services.candidates(account, required_document)
        ]

    def chosen(self, account, required_document, selection) -> list:
        try:
            return services.chosen(account, required_document, selection)
        except services.NotAvailable as refused:
            raise reuse.NotAvailable(str(refused)) from refused
