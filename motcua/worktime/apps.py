from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorktimeConfig(AppConfig):
    name = "motcua.worktime"
    verbose_name = _("Working-time calendar")

    def ready(self):
        from django.core.signals import setting_changed
        from django.db.models.signals import post_delete, post_save

        from motcua.worktime.calendars import invalidate
        from motcua.worktime.models import CalendarException, WorkingHoursProfile

        for model in (CalendarException, WorkingHoursProfile):
            post_save.connect(invalidate, sender=model, dispatch_uid=f"worktime-save-{model}")
            post_delete.connect(invalidate, sender=model, dispatch_uid=f"worktime-del-{model}")
        setting_changed.connect(_setting_changed, dispatch_uid="worktime-settings")


def _setting_changed(setting, **kwargs):
    if setting in ("MOTCUA", "TIME_ZONE"):
        from motcua.worktime.calendars import invalidate

        invalidate()
