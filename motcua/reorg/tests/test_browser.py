"""After the reorganisation, in a real browser (Playwright driving Debian's Chromium): the
desk officer whose post moved to the merged commune's People's Committee finds the dossier
transferred from the closed district in the work queue and sends it on; the officer whose
post the plan ended (the supervisor's edit: not moved) finds nothing and cannot open it."""

import json
import os

import pytest
from django.core.management import call_command
from django.test import Client

from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.test_browser import Officer
from motcua.dossiers.workflow import Status
from motcua.org import services as org
from motcua.org.constants import Role
from motcua.org.models import Agency, User
from motcua.org.models import Officer as Post
from motcua.reorg import build
from motcua.reorg.tests.test_apply import DAY, make_hanam

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_merged_communes_officer_acts_and_the_old_one_cannot(browser, live_server, tmp_path):
    made = make_hanam()
    district_pc = Agency.objects.get(code="000.00.21.H40")
    # A second desk officer of the district, whose post the supervisor ends in the plan.
    leaving = User.objects.create_user("motcua2.phuly", password="pw-not-used-123")
    desk = district_pc.desks.get()
    org.appoint(leaving, district_pc, Role.DESK_OFFICER, DAY.replace(year=2020), desk=desk)
    data = build.build_plan("35", DAY)
    leaving_post = Post.objects.get(user=leaving)
    for entry in data["posts"]:
        if entry["post"] == leaving_post.pk:
            entry["to_agency"] = None  # not moved: the post ends with the district
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    dossier = made["open"]
    before = Officer(browser, live_server, leaving)
    assert dossier.code in before.queue_codes()  # the district's dossier, before the change
    before.close()

    call_command("reorganise", "apply", str(path))
    dossier.refresh_from_db()
    successor = dossier.current_agency
    assert successor != district_pc and successor.valid_to is None

    # The officer whose post moved: the dossier is in the queue, and she can send it on.
    moved = Officer(browser, live_server, User.objects.get(username="motcua.phuly"))
    assert dossier.code in moved.queue_codes()
    moved.open(dossier.code)
    assert successor.name in moved.page.inner_text("main")
    moved.act(dossier.code, "forward", to_user=User.objects.get(username="chuyenvien.phuly"))
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.current_agency == successor
    moved.close()

    # The officer whose post ended: nothing in the queue, the dossier's page is not found,
    # and a forged action changes nothing.
    gone = Officer(browser, live_server, leaving)
    assert gone.queue_codes() == []
    assert gone.page.goto(f"{gone.base}/office/dossiers/{dossier.code}/").status == 404
    events = dossier.events.count()
    client = Client()
    client.force_login(leaving)
    answer = client.post(f"/office/dossiers/{dossier.code}/act/", {"action": "forward"})
    assert answer.status_code == 404
    assert Dossier.objects.get(pk=dossier.pk).events.count() == events
    gone.close()
