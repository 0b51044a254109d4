from django.urls import path

from motcua.outbox import devsms

app_name = "devsms"

urlpatterns = [
    path("", devsms.state, name="state"),
    path("send/", devsms.send, name="send"),
    path("mode/", devsms.set_mode, name="mode"),
]
