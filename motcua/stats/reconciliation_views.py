"""/reports/reconciliation/: per agency, the finishes and returns entered late, the stale
dossiers, the discipline figure and the split of late dossiers (docs/reconciliation.md).
Officers see the agencies where they hold a post, supervisors of the province all."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from motcua.dossiers.services import rule
from motcua.stats import queries, reconciliation
from motcua.stats.forms import ReportFilterForm


class ReconciliationForm(ReportFilterForm):
    """The period (from, to) and one agency (code); no level or sector."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["tier"], self.fields["sector"]


@login_required
def reconciliation_report(request):
    user = request.user
    form = ReconciliationForm(request.GET)
    if not form.is_valid():
        return render(request, "stats/reconciliation.html", {"form": form}, status=400)
    data = form.cleaned_data
    period = queries.Period(data["start"], data["end"])
    scope = queries.scope_for(user, period, agency=data["agency"])
    now = timezone.now()
    rows = reconciliation.report(period, scope.agency_ids, now)
    context = {
        "form": form,
        "period": period,
        "rows": rows,
        "total": reconciliation.totals(rows),
        "now": now,
        "late_entry_days": rule("LATE_ENTRY_WORKING_DAYS"),
        "stale_days": rule("STALE_WORKING_DAYS"),
        "list_limit": reconciliation.LIST_LIMIT,
    }
    return render(request, "stats/reconciliation.html", context)
