"""The life of one demo dossier: its timed actions and officers, under the 2025 rules of
"Life of a dossier" (/work/shared/domain/vn-one-stop-rules.md) as the services apply them.

- Online and postal dossiers are submitted, then checked at the desk well within
  `services.check_due` (8 working hours online, 1 working day on paper): received, guided
  to a supplement (then completed and received), refused, or stopped on request.
- After receipt the internal process runs step by step, each action by the holder of the
  step's role at the step's agency (`permissions.holders`): the desk transfers to the
  specialist, the specialist forwards to the leader, the leader of the last processing step
  signs the result with `complete` (processing finished); later the desk returns it
  (`return_result`), on the day, on the appointment day or days later.
- A supplement request comes from the specialist within 3 working days of receipt (a few
  later, with a reason; a few supplemented dossiers are asked a second time, with a
  reason); the desk records the supplement and the time limit restarts. Some applicants
  stop instead; some never come back and the desk closes the dossier after 15 working days.
- A late dossier gets one apology from the performing agency's leader with a new
  appointment, mostly at least a working day before the appointment (some later, with a
  reason); its result is signed after the legal deadline's date, so it counts late.
- Refusal after receipt is the leader's; a stop on the applicant's request (withdraw)
  always records the request, and never once a result is ready.
- An inter-agency chain: each link's agency works on its part in turn, the commune's leader
  signs the combined result and its desk returns it.

Instants are computed with the performing agency's working-time calendar and the services'
public rules (`deadline_for`, `supplement_window_ends`, `apology_due_by`, `rule`), so the
actions are legal when they happen."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from motcua.demo.org import Org, chain_hours, part_agency, step_agencies
from motcua.demo.plans import Plan, Step
from motcua.dossiers import services
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.workflow import Action
from motcua.org.constants import Role
from motcua.worktime.calendars import get_calendar

A, R = Action, Role

LATE_REQUEST_SHARE = 0.15  # supplement requests made after the 3-day window (with a reason)
SECOND_REQUEST_SHARE = 0.08  # supplemented dossiers asked a second time (with a reason)
LATE_APOLOGY_SHARE = 0.2  # apologies sent less than a working day ahead (with a reason)
LATE_COLLECTION_SHARE = 0.1  # results collected 2 to 10 working days after they were ready

SUPPLEMENT_REASONS = (
    "Đề nghị bổ sung, hoàn thiện: {doc}.",
    "Thành phần hồ sơ chưa hợp lệ: {doc} chưa có chứng thực; đề nghị bổ sung bản hợp lệ.",
    "Thông tin kê khai chưa khớp với giấy tờ; đề nghị bổ sung, hoàn thiện: {doc}.",
)
LATE_REQUEST_REASONS = (
    "Kết quả xác minh tại cơ sở cho thấy thông tin kê khai chưa đầy đủ.",
    "Cơ quan phối hợp đề nghị làm rõ thêm nội dung hồ sơ.",
)
REFUSAL_REASONS = (
    "Hồ sơ không đủ điều kiện giải quyết theo quy định.",
    "Người đề nghị không thuộc đối tượng được giải quyết.",
    "Thông tin kê khai không phù hợp với cơ sở dữ liệu quốc gia về dân cư.",
    "Không thuộc thẩm quyền giải quyết của cơ quan; đã hướng dẫn nộp tại cơ quan có thẩm quyền.",
)
CHECK_REFUSALS = (
    "Hồ sơ nộp trực tuyến không thuộc phạm vi giải quyết của thủ tục.",
    "Hồ sơ không hợp lệ: tài liệu đính kèm không đọc được, không đúng thủ tục đề nghị.",
)
APOLOGY_REASONS = (
    "Hồ sơ cần xác minh thêm tại cơ sở.",
    "Chờ ý kiến phối hợp của cơ quan liên quan.",
    "Cần kiểm tra thực địa trước khi giải quyết.",
    "Số lượng hồ sơ tăng đột biến trong kỳ.",
)
LATE_APOLOGY_REASONS = (
    "Văn bản xin lỗi ban hành chậm do chờ ý kiến của cơ quan phối hợp.",
    "Lãnh đạo đi công tác, văn bản xin lỗi ký chậm.",
)
STOP_REQUESTS = (
    "Người nộp có đơn đề nghị dừng giải quyết hồ sơ.",
    "Người nộp đề nghị rút hồ sơ để bổ sung giấy tờ khác.",
    "Người nộp không bổ sung hồ sơ, đề nghị dừng giải quyết.",
)
CLOSE_COMMENT = "Quá {days} ngày làm việc kể từ ngày yêu cầu bổ sung, người nộp không bổ sung."


class Life:
    """Adds the timed actions to a plan (`plan`), drawn from the planner's generator."""

    def __init__(self, org: Org, rng: random.Random):
        self.org, self.rng = org, rng

    def plan(self, plan: Plan) -> None:
        received, kind = plan.arrives_at, plan.kind
        if plan.submit_only:
            received = self._check(plan, kind)
            if received is None:
                return
            kind = "normal" if kind == "incomplete" else kind
        if plan.chain is not None:
            self._chain(plan, received)
        else:
            self._process(plan, received, kind)

    # - instants -

    def _later(self, cal, t: datetime, hours: float, low=0.05, high=1.0) -> datetime:
        """An instant a fraction of `hours` working hours after `t` (whole minutes)."""
        minutes = max(1, int(hours * 60 * self.rng.uniform(low, high)))
        return cal.add(t, minutes / 60, "hours")

    def _minutes(self, cal, t: datetime, low: int, high: int) -> datetime:
        return cal.add(t, self.rng.randint(low, high) / 60, "hours")

    @staticmethod
    def _hours(cal, a: datetime, b: datetime) -> float:
        return cal.elapsed(a, b).total_seconds() / 3600

    @staticmethod
    def probe(plan: Plan, received: datetime) -> Dossier:
        """An unsaved dossier as received, for the services' rules that take one."""
        return Dossier(
            procedure=plan.procedure,
            performing_agency=plan.agency,
            received_desk=plan.desk,
            channel=plan.channel,
            received_at=received,
        )

    # - texts -

    def supplement_items(self, plan: Plan) -> str:
        docs = [d["name"] for d in plan.documents] or ["Tờ khai"]
        return self.rng.choice(SUPPLEMENT_REASONS).format(doc=self.rng.choice(docs)[:200])

    @staticmethod
    def result(procedure) -> str:
        text = (procedure.result or "Văn bản giải quyết thủ tục hành chính").strip()
        return text[:300]

    def _stop(self) -> str:
        return self.rng.choice(STOP_REQUESTS)

    # - before receipt -

    def _check(self, plan: Plan, kind: str) -> datetime | None:
        """The desk checks an online or postal submission within its check time; the
        instant of receipt, or None when the dossier ends at the check."""
        cal = get_calendar(plan.desk.agency)
        officer = self.org.officer(plan.desk.agency, R.DESK_OFFICER)
        add = plan.steps.append
        t = self._minutes(cal, plan.arrives_at, 5, 240)
        if kind == "refused_at_check":
            add(Step(t, A.REFUSE, officer, comment=self.rng.choice(CHECK_REFUSALS)))
            return None
        if kind in ("incomplete", "withdrawn_at_check"):
            add(Step(t, A.REQUEST_SUPPLEMENT, officer, comment=self.supplement_items(plan)))
            t = self._minutes(cal, t, 60, 40 * 60)
            if kind == "withdrawn_at_check":
                add(Step(t, A.WITHDRAW, officer, comment=self._stop()))
                return None
            add(Step(t, A.SUPPLEMENT, officer))
            t = self._minutes(cal, t, 5, 180)
        add(Step(t, A.RECEIVE, officer))
        return t

    # - after receipt -

    def _process(self, plan: Plan, received: datetime, kind: str) -> None:
        """Transfer, review, signature and return along the procedure's process."""
        org, rng, p = self.org, self.rng, plan.procedure
        cal = get_calendar(plan.agency)
        steps = org.process_steps(p, plan.agency)
        hours = [float(s.allotted_hours) for s in steps]
        where = step_agencies(steps, plan.agency, plan.desk)
        desk_officer = org.officer(plan.desk.agency, R.DESK_OFFICER)
        specialist = org.officer(where[1], R.SPECIALIST)
        leader = org.officer(where[2], R.LEADER)  # the last processing step: signs
        probe = self.probe(plan, received)
        deadline = services.deadline_for(probe)
        add = plan.steps.append
        if kind == "withdrawn":
            add(
                Step(
                    self._later(cal, received, hours[0]),
                    A.WITHDRAW,
                    desk_officer,
                    comment=self._stop(),
                )
            )
            return
        t = self._later(cal, received, hours[0], 0.1, 0.9)
        add(Step(t, A.FORWARD, desk_officer, to_user=specialist))
        left = hours[1]
        if kind in ("supplemented", "supplement_withdrawn", "closed"):
            t, deadline = self._supplement(plan, probe, cal, t, hours, kind, specialist)
            if t is None:
                return
            left = max(self._hours(cal, t, deadline) - hours[2] - hours[3], 0.1)
        if kind == "late":
            t, done = self._late(plan, probe, cal, t, deadline)
            add(Step(t, A.FORWARD, specialist, to_user=leader))
            t = done
        else:
            t = self._later(cal, t, left, 0.15, 0.9)
            add(Step(t, A.FORWARD, specialist, to_user=leader))
            t = self._later(cal, t, hours[2], 0.1, 0.9)
            if kind == "refused":
                add(Step(t, A.REFUSE, leader, comment=rng.choice(REFUSAL_REASONS)))
                return
        add(Step(t, A.COMPLETE, leader, result=self.result(p)))
        add(Step(self._return_at(plan, cal, t, deadline), A.RETURN_RESULT, desk_officer))

    def _supplement(self, plan, probe, cal, t, hours, kind, specialist):
        """The specialist's request, then the supplement (the time limit restarts), a stop,
        or the closure; returns (the last instant, the new legal deadline) or (None, None)
        when the dossier ends here."""
        rng, add = self.rng, plan.steps.append
        desk_officer = self.org.officer(plan.desk.agency, R.DESK_OFFICER)
        window = services.supplement_window_ends(probe)
        deadline = services.deadline_for(probe)
        # A late request (after the window, with a reason) only while time is left: one made
        # after the deadline changes nothing and the dossier stays late (worktime.core).
        room = self._hours(cal, window, deadline)
        if rng.random() < LATE_REQUEST_SHARE and room > 1:
            asked = self._later(cal, window, min(room, 16), 0.1, 0.9)
            reason = rng.choice(LATE_REQUEST_REASONS)
        else:
            room = min(hours[1], self._hours(cal, t, window))
            asked, reason = self._later(cal, t, room, 0.1, 0.9), ""
        items = self.supplement_items(plan)
        add(Step(asked, A.REQUEST_SUPPLEMENT, specialist, comment=items, reason=reason))
        back = self._back(cal, asked)
        if kind == "supplement_withdrawn":
            add(Step(back, A.WITHDRAW, desk_officer, comment=self._stop()))
            return None, None
        if kind == "closed":
            days = services.rule("SUPPLEMENT_CLOSE_DAYS")
            due = cal.add(asked, days, "days")
            add(
                Step(
                    self._minutes(cal, due, 5, 16 * 60),
                    A.CLOSE,
                    desk_officer,
                    comment=CLOSE_COMMENT.format(days=days),
                )
            )
            return None, None
        add(Step(back, A.SUPPLEMENT, desk_officer))
        pauses = [(asked, back)]
        if rng.random() < SECOND_REQUEST_SHARE:  # asked again, before the new deadline
            room = min(hours[1], self._hours(cal, back, services.deadline_for(probe, pauses)))
            asked = self._later(cal, back, room, 0.1, 0.9)
            reason = rng.choice(LATE_REQUEST_REASONS)
            items = self.supplement_items(plan)
            add(Step(asked, A.REQUEST_SUPPLEMENT, specialist, comment=items, reason=reason))
            back = self._back(cal, asked)
            add(Step(back, A.SUPPLEMENT, desk_officer))
            pauses.append((asked, back))
        return back, services.deadline_for(probe, pauses)

    def _back(self, cal, asked: datetime) -> datetime:
        """When the applicant brings the supplement: 1 to 10 days later, in office hours."""
        day = timezone.localdate(asked) + timedelta(days=self.rng.randint(1, 10))
        return self._minutes(cal, datetime.combine(day, time(7, 30), cal.tz), 5, 8 * 60)

    def _late(self, plan, probe, cal, t, deadline):
        """One apology with a new appointment, then the result after the deadline's date;
        returns (the specialist's forward, the leader's signature)."""
        rng = self.rng
        probe.due_at = probe.deadline_at = deadline
        due_by = services.apology_due_by(probe)
        if rng.random() >= LATE_APOLOGY_SHARE and due_by is not None and due_by > t:
            apology, reason = self._later(cal, t, self._hours(cal, t, due_by), 0.3, 0.95), ""
            apology = min(apology, due_by)
        else:  # less than a working day before the appointment: the rules want a reason
            start = max(t, due_by or t)
            room = max(self._hours(cal, start, deadline), 0.1)
            apology, reason = (
                self._later(cal, start, room, 0.1, 0.8),
                rng.choice(LATE_APOLOGY_REASONS),
            )
        new_due = cal.add(deadline, 8 * rng.randint(1, 5), "hours")
        plan.steps.append(
            Step(
                apology,
                A.APOLOGISE,
                self.org.officer(plan.agency, R.LEADER),
                new_due_at=new_due,
                comment=rng.choice(APOLOGY_REASONS),
                reason=reason,
            )
        )
        day = timezone.localdate(deadline) + timedelta(days=1)
        while not cal.is_working_day(day):
            day += timedelta(days=1)
        next_day = datetime.combine(day, cal.hours.periods[0][0], cal.tz)
        done = self._later(cal, next_day, max(self._hours(cal, next_day, new_due), 0.5), 0.05, 0.9)
        forward = self._later(cal, apology, self._hours(cal, apology, done), 0.2, 0.8)
        return min(forward, done - timedelta(minutes=1)), done

    def _return_at(self, plan, cal, ready: datetime, due: datetime) -> datetime:
        """Online level 4 and post: sent at once; otherwise the applicant comes to the desk,
        on the day, on the appointment day, or days later."""
        if plan.channel == Channel.POST or (
            plan.channel == Channel.ONLINE and plan.procedure.online_level >= 4
        ):
            return self._minutes(cal, ready, 5, 90)
        draw = self.rng.random()
        if draw < 0.25:
            return self._minutes(cal, max(ready, due), 1, 16 * 60)
        if draw < 0.25 + LATE_COLLECTION_SHARE:
            days = cal.add(ready, self.rng.randint(2, 10), "days")
            return self._minutes(cal, days, 1, 4 * 60)
        return self._minutes(cal, ready, 30, 16 * 60)

    # - inter-agency chains -

    def _chain(self, plan: Plan, received: datetime) -> None:
        """Each link's agency works on its part in turn; the commune signs and returns the
        combined result."""
        org, chain = self.org, plan.chain
        _c, links = org.chains[chain.pk]
        plan.chain_positions = tuple(link.position for link in links)
        t = received
        for link in links:
            agency = part_agency(plan.desk, link, plan.agency)
            cal = get_calendar(agency)
            steps = org.process_steps(link.procedure, agency)
            hours = [float(s.allotted_hours) for s in steps]
            where = step_agencies(steps, agency, None)
            specialist = org.officer(where[1], R.SPECIALIST)
            leader = org.officer(where[2], R.LEADER)
            at = link.position
            t = self._later(cal, t, hours[0], 0.1, 0.9)
            desk_officer = org.officer(where[0], R.DESK_OFFICER)
            plan.steps.append(Step(t, A.FORWARD, desk_officer, part=at, to_user=specialist))
            t = self._later(cal, t, hours[1], 0.15, 0.9)
            plan.steps.append(Step(t, A.FORWARD, specialist, part=at, to_user=leader))
            t = self._later(cal, t, hours[2], 0.1, 0.9)
            plan.steps.append(
                Step(t, A.COMPLETE, leader, part=at, result=self.result(link.procedure))
            )
        cal = get_calendar(plan.agency)
        t = self._minutes(cal, t, 30, 240)
        result = "; ".join(self.result(link.procedure) for link in links)
        leader = org.officer(plan.desk.agency, R.LEADER)
        plan.steps.append(Step(t, A.COMPLETE, leader, result=result[:1000]))
        due = cal.due_at(received, chain_hours(cal, links), "hours")
        desk_officer = org.officer(plan.desk.agency, R.DESK_OFFICER)
        plan.steps.append(Step(self._return_at(plan, cal, t, due), A.RETURN_RESULT, desk_officer))
