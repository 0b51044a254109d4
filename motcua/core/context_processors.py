from django.conf import settings


def site(request):
    return {
        "portal_name": settings.MOTCUA["PORTAL_NAME"],
        "province_name": settings.MOTCUA["PROVINCE_NAME"],
    }
