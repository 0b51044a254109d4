from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from motcua.catalog import cache, report, search, services
from motcua.catalog.constants import Status
from motcua.catalog.forms import AsOfForm, CatalogueFilterForm
from motcua.catalog.models import Procedure
from motcua.core.replica import reads_from_replica

MAX_PAGE = 100_000


class OneQueryPaginator(Paginator):
    """Reads a page's rows and the number of all rows in one query (`COUNT(*) OVER ()`), not a
    count and then the rows. A page past the end has no row to carry the total: then the
    count is asked, and Django's paginator answers as it always does (the last page)."""

    def get_page(self, number):
        try:
            number = max(int(number), 1)
        except (TypeError, ValueError):
            number = 1
        if number > MAX_PAGE:  # past any catalogue's end, and an offset the database refuses
            return super().get_page(number)
        bottom = (number - 1) * self.per_page
        rows = list(
            self.object_list.annotate(_total=Window(Count("pk")))[bottom : bottom + self.per_page]
        )
        if not rows:
            return super().get_page(number)
        self.__dict__["count"] = rows[0]._total  # Paginator.count is a cached property
        return self._get_page(rows, number, self)


@reads_from_replica
def home(request):
    by_level = dict(
        Procedure.objects.filter(status=Status.ACTIVE)
        .values_list("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
    )
    return render(
        request,
        "catalog/home.html",
        {"by_level": by_level, "total": sum(by_level.values()), "form": CatalogueFilterForm()},
    )


@reads_from_replica
def procedure_list(request):
    form = CatalogueFilterForm(request.GET or None)
    queryset = Procedure.objects.filter(status=Status.ACTIVE).select_related("sector", "agency")
    # The phrases and the rendered filter lists are kept until the catalogue changes (cache.py).
    generation = cache.generation()
    if form.is_bound and form.is_valid():
        queryset = form.filter(queryset)
        phrases = search.active_phrases(generation)
        queryset = search.search(queryset, form.cleaned_data.get("q") or "", phrases)
    else:
        queryset = queryset.order_by("name_folded", "code")
    paginator = OneQueryPaginator(queryset, settings.MOTCUA["CATALOGUE_PAGE_SIZE"])
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "catalogue_generation": generation,
        "keep_seconds": cache.KEEP_SECONDS,
    }
    template = "catalog/_results.html" if request.headers.get("HX-Request") else "catalog/list.html"
    return render(request, template, context)


@reads_from_replica
def procedure_detail(request, code: str):
    procedure = get_object_or_404(Procedure.objects.select_related("sector", "agency"), code=code)
    form = AsOfForm(request.GET or None)
    day = timezone.localdate()
    if form.is_bound and form.is_valid() and form.cleaned_data["on"]:
        day = form.cleaned_data["on"]
    version = services.version_on(procedure, day)
    if version is None and not (form.is_bound and form.is_valid()):
        version = procedure.versions.order_by("-number").first()
    if version is None and not procedure.versions.exists():
        raise Http404
    return render(
        request,
        "catalog/detail.html",
        {
            "procedure": procedure,
            "version": version,
            "text": version.data if version else None,
            "day": day,
            "form": form,
            "versions": procedure.versions.select_related("decision").order_by("-number"),
        },
    )


@reads_from_replica
def catalogue_report(request):
    form = AsOfForm(request.GET or None)
    day = None
    if form.is_bound and form.is_valid():
        day = form.cleaned_data["on"]
    data = report.build(on=day)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {k: v for k, v in data.items() if not k.endswith("_vn")},
            json_dumps_params={"ensure_ascii": False, "indent": 2},
        )
    return render(request, "catalog/report.html", {"report": data, "form": form})
