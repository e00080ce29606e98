"""Drive the real services through a scenario on simulated time, in the database the caller set up for it.

The clock is moved with time_machine, so every `timezone.now()` inside the services reads simulated time, and
every service that takes `at`/`now` is given it as well. Arrivals, agents' touches, customers' replies, the
Next Actions written before a shift ends, region outages and the scheduler's jobs are events on one heap, in time
order, ties broken by insertion order: with random.Random(seed) drawing everything, a seed gives one result.

Nothing leaves the process: Celery messages (email, webhooks, surveys, the failover task) are counted instead of
sent, and the failover the receiver would have queued is called directly.
"""

import bisect
import datetime as dt
import heapq
import math
import random
import zoneinfo
from collections import Counter, defaultdict
from contextlib import contextmanager
from functools import lru_cache
from unittest import mock

import celery.app.task
import time_machine
from django.contrib.auth import get_user_model
from django.test.utils import override_settings

from handoff.selectors import bouncing_tickets, cold_tickets
from handoff.services import handoff_failover, note_problem, run_due_handoffs, settings_for
from regions.cache import request_memo
from regions.models import (
    Agent,
    AgentLanguage,
    Presence,
    Region,
    RegionHoliday,
    RegionStatus,
    Rotation,
    RotationStep,
    ShiftDay,
    ShiftPattern,
    SourcingRule,
    Team,
    Vendor,
)
from regions.selectors import team_list, team_shifts
from regions.services import region_set_status
from tickets.models import OPEN_STATUSES, PRIORITY_RANK, Channel, SlaPolicy, Status, Ticket
from tickets.services import (
    customer_get_or_create,
    ticket_create,
    ticket_customer_message,
    ticket_reply,
    ticket_set_next_action,
)
from tickets.sla import sla_check_due

from .scenario import WEEKDAYS

NOTE_BEFORE_END = dt.timedelta(minutes=15)  # when departing agents write their Next Actions
SCHEDULER_EVERY = dt.timedelta(minutes=30)  # run_due_handoffs between boundaries too: blocked retries, briefings
CUSTOMERS_PER_POOL = 25  # distinct customers per (market, language, VIP)


def poisson(rng, mean):
    """A Poisson draw (Knuth's method; normal approximation for large means)."""
    if mean > 60:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def draw(rng, spec):
    """Minutes from a {"distribution", "mean", "sd"} spec."""
    if spec["distribution"] == "fixed":
        return spec["mean"]
    if spec["distribution"] == "exponential":
        return rng.expovariate(1 / spec["mean"])
    sigma2 = math.log(1 + (spec["sd"] / spec["mean"]) ** 2)
    return rng.lognormvariate(math.log(spec["mean"]) - sigma2 / 2, math.sqrt(sigma2))


@lru_cache(maxsize=64)
def _zone(name):
    return zoneinfo.ZoneInfo(name)


def pick(rng, weights):
    """A key of WEIGHTS ({key: share}, shares adding up to 1), drawn by share."""
    x, total = rng.random(), 0.0
    for key, share in weights.items():
        total += share
        if x < total:
            return key
    return key


@contextmanager
def nothing_leaves():
    """Count Celery messages instead of sending them, and send no email."""
    suppressed = Counter()

    def apply_async(task, *args, **kwargs):
        suppressed[task.name] += 1

    with (
        mock.patch.object(celery.app.task.Task, "apply_async", apply_async),
        override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
    ):
        yield suppressed


class Engine:
    def __init__(self, scenario, *, seed, days, progress=None):
        self.scenario, self.seed, self.days = scenario, seed, days
        # Two streams: the same seed brings the same customers and tickets to every scenario it is compared in.
        self.rng = random.Random(f"{seed}:arrivals")
        self.agent_rng = random.Random(f"{seed}:agents")
        self.progress = progress or (lambda pct: None)
        self.start = dt.datetime.combine(dt.date.fromisoformat(scenario["start"]), dt.time(), tzinfo=dt.UTC)
        self.end = self.start + dt.timedelta(days=days)
        self.step = dt.timedelta(minutes=scenario["step_minutes"])
        self.heap, self.seq = [], 0
        # ticket id -> [owning team id, priority rank, state, intake region code]
        self.tickets = {}
        self.open_by_team = defaultdict(set)
        self.waiting = defaultdict(list)  # team id -> heap of (-priority rank, seq, ticket id)
        self.cold_seconds = defaultdict(float)
        self.cold_by_team = defaultdict(float)
        self.bouncing, self.cold_flag_peak = set(), 0
        self.busy = [0.0] * 24  # agent seconds busy, by UTC hour of day
        self.scheduled = [0.0] * 24  # agent seconds on shift, by UTC hour of day
        self.touches, self.handle_seconds = [0] * 24, 0.0
        self.arrivals = [0] * 24
        self.down = set()
        self.customers = {}  # (market, language, VIP, number) -> Customer

    # ---- setup: the scenario's configuration, written into the simulation database -------------------------------

    def setup(self):
        s = self.scenario
        regions = {r["code"]: Region.objects.create(**r) for r in s["regions"]}
        vendor = Vendor.objects.create(name="Simulated", kind=Vendor.Kind.IN_HOUSE)
        valid_from = self.start.date() - dt.timedelta(days=7)
        for t in s["teams"]:
            team = Team.objects.create(
                code=t["code"], name=t["name"], region=regions[t["region"]], tier=t["tier"], vendor=vendor
            )
            pattern = ShiftPattern.objects.create(
                team=team, name="Simulated", valid_from=valid_from, works_public_holidays=t["works_public_holidays"]
            )
            ShiftDay.objects.bulk_create(
                ShiftDay(pattern=pattern, weekday=WEEKDAYS.index(day), start=shift["start"], end=shift["end"])
                for shift in t["shifts"]
                for day in shift["days"]
            )
        teams = {t.code: t for t in Team.objects.all()}
        for r in s["rotations"]:
            rotation = Rotation.objects.create(
                tier=r["tier"], around_the_clock=r["around_the_clock"], min_overlap_minutes=r["overlap_minutes"]
            )
            RotationStep.objects.bulk_create(
                RotationStep(rotation=rotation, team=teams[code], position=i) for i, code in enumerate(r["teams"], 1)
            )
        for rule in s["sourcing"]:
            SourcingRule.objects.bulk_create(
                SourcingRule(tier=rule["tier"], region=regions[code], preference=i)
                for i, code in enumerate(rule["regions"], 1)
            )
        for priority, targets in s["sla"].items():
            SlaPolicy.objects.create(
                name=f"{priority.title()} (simulated)",
                priority=priority,
                first_response_minutes=targets["first_response_minutes"],
                next_response_minutes=targets["first_response_minutes"],
                resolution_minutes=targets["resolution_minutes"],
            )
        for event in s["events"]:
            if event["kind"] == "holiday":
                RegionHoliday.objects.create(
                    region=regions[event["region"]],
                    date=self.start.date() + dt.timedelta(days=event["day"]),
                    name=event["name"],
                )
        self._people(s["teams"], teams)
        self.regions = regions
        self.teams = {t.pk: t for t in team_list()}
        self.shifts = {
            pk: team_shifts(team, self.start - dt.timedelta(days=1), self.end + dt.timedelta(days=1))
            for pk, team in self.teams.items()
        }
        self.shift_starts = {pk: [start for start, _ in shifts] for pk, shifts in self.shifts.items()}
        self._schedule_fixed_events()

    def _people(self, team_specs, teams):
        User = get_user_model()
        self.agents = {}
        for t in team_specs:
            team = teams[t["code"]]
            users = User.objects.bulk_create(
                User(username=f"{team.code}-{n:03d}", first_name="Agent", last_name=f"{team.code} {n}")
                for n in range(1, t["agents"] + 1)
            )
            agents = Agent.objects.bulk_create(
                Agent(user=user, team=team, tier=team.tier, presence=Presence.AVAILABLE) for user in users
            )
            AgentLanguage.objects.bulk_create(
                AgentLanguage(agent=agent, language=lang, proficiency="native")
                for agent in agents
                for lang in t["languages"]
            )
            self.agents[team.pk] = [[user, self.start] for user in users]  # [user, free from]

    def _schedule_fixed_events(self):
        rotating = set(RotationStep.objects.values_list("team_id", flat=True))
        for pk, shifts in self.shifts.items():
            for _, end in shifts:
                if self.start <= end - NOTE_BEFORE_END < self.end:
                    self._push(end - NOTE_BEFORE_END, "notes", pk)
                if pk in rotating and self.start <= end < self.end:
                    self._push(end, "scheduler", None)
        t = self.start + SCHEDULER_EVERY
        while t < self.end:
            self._push(t, "scheduler", None)
            t += SCHEDULER_EVERY
        for event in self.scenario["events"]:
            if event["kind"] == "outage":
                region = self.regions[event["region"]]
                self._push(self._at_hour(event["start_hour"]), "outage_start", region)
                self._push(self._at_hour(event["end_hour"]), "outage_end", region)

    def _at_hour(self, hours):
        return self.start + dt.timedelta(hours=hours)

    def _during(self, event, at):
        return self._at_hour(event["start_hour"]) <= at < self._at_hour(event["end_hour"])

    def _push(self, at, kind, payload):
        self.seq += 1
        heapq.heappush(self.heap, (at, self.seq, kind, payload))

    # ---- the run -------------------------------------------------------------------------------------------------

    def run(self):
        # The configuration is read once (request_memo) and again only after the run changes it (an outage).
        with (
            nothing_leaves() as suppressed,
            time_machine.travel(self.start, tick=False) as clock,
            request_memo(),
        ):
            self.clock = clock
            self.setup()
            steps = int((self.end - self.start) / self.step)
            done_pct = -1
            for n in range(steps):
                t0 = self.start + n * self.step
                t1 = t0 + self.step
                self._arrivals_between(t0, t1)
                while self.heap and self.heap[0][0] <= t1:
                    at, _, kind, payload = heapq.heappop(self.heap)
                    self.clock.move_to(at)
                    getattr(self, f"_on_{kind}")(at, payload)
                self.clock.move_to(t1)
                sla_check_due(now=t1)
                for team_id in self.teams:
                    self._dispatch(team_id, t1)
                self._sample(t0)
                pct = 100 * (n + 1) // steps
                if pct != done_pct:
                    done_pct = pct
                    self.progress(pct)
        self.suppressed = dict(sorted(suppressed.items()))
        return self

    def _arrivals_between(self, t0, t1):
        """Draw the step's new tickets: per market, a Poisson number at the market's local hourly rate."""
        arrivals = self.scenario["arrivals"]
        surges = [e for e in self.scenario["events"] if e["kind"] == "surge"]
        minutes = (t1 - t0).total_seconds() / 60
        for market in arrivals["markets"]:
            local = t0.astimezone(_zone(market["time_zone"]))
            weekly = market["weekly"][local.weekday()] / (sum(market["weekly"]) / 7)
            per_hour = arrivals["tickets_per_day"] * market["share"] * market["hourly"][local.hour]
            rate = per_hour / sum(market["hourly"]) * weekly
            for e in surges:
                if e["market"] in (None, market["code"]) and self._during(e, t0):
                    rate *= e["factor"]
            for _ in range(poisson(self.rng, rate * minutes / 60)):
                at = t0 + dt.timedelta(minutes=self.rng.random() * minutes)
                self._push(at, "arrival", market)

    def _customer(self, market, language, vip):
        key = (market["code"], language, vip, self.rng.randrange(CUSTOMERS_PER_POOL))
        if key not in self.customers:
            n = key[3]
            self.customers[key] = customer_get_or_create(
                email=f"{key[0]}-{language}-{'vip-' if vip else ''}{n}@customers.example",
                name=f"Customer {key[0]} {language} {n}{' (VIP)' if vip else ''}",
                country=market["countries"][n % len(market["countries"])],
                language=language,
                vip=vip,
            )
        return self.customers[key]

    def _on_arrival(self, at, market):
        mix = self.scenario["mix"]
        language = pick(self.rng, market["languages"])
        priority = pick(self.rng, mix["priorities"])
        tier = int(pick(self.rng, mix["tiers"]))
        vip = self.rng.random() < mix["vip_share"]
        customer = self._customer(market, language, vip)
        ticket = ticket_create(
            customer=customer,
            subject=f"{priority.title()} request from {market['code']}",
            body="Simulated customer message: please help with my account.",
            channel=Channel.WEB,
            priority=priority,
            tier=tier,
            at=at,
        )
        region = self.teams[ticket.team_id].region.code if ticket.team_id else None
        self.tickets[ticket.pk] = [ticket.team_id, PRIORITY_RANK[priority], "waiting", region]
        self.arrivals[at.hour] += 1
        if ticket.team_id:
            self.open_by_team[ticket.team_id].add(ticket.pk)
            self._wait(ticket.pk)
            self._dispatch(ticket.team_id, at)

    def _wait(self, ticket_id):
        team_id, rank, *_ = self.tickets[ticket_id]
        self.tickets[ticket_id][2] = "waiting"
        self.seq += 1
        heapq.heappush(self.waiting[team_id], (-rank, self.seq, ticket_id))

    def working(self, team_id, at):
        """Whether TEAM's agents are at work AT: on shift, and their region not down."""
        if self.teams[team_id].region_id in self.down:
            return False
        shifts = self.shifts[team_id]
        i = bisect.bisect_right(self.shift_starts[team_id], at) - 1
        return i >= 0 and shifts[i][0] <= at < shifts[i][1]

    def _dispatch(self, team_id, at):
        """Free agents of TEAM at work take its waiting tickets, most urgent first, each for one touch."""
        queue = self.waiting[team_id]
        if not queue or not self.working(team_id, at):
            return
        behaviour = self.scenario["agents"]
        for agent in self.agents.get(team_id, []):
            if agent[1] > at:
                continue
            ticket_id = self._next_waiting(team_id)
            if ticket_id is None:
                return
            seconds = draw(self.agent_rng, behaviour["handle_minutes"]) * 60
            end = at + dt.timedelta(seconds=seconds)
            agent[1] = end
            self.tickets[ticket_id][2] = "touch"
            self.touches[at.hour] += 1
            self.handle_seconds += seconds
            self._add_by_hour(self.busy, at, end)
            self._push(end, "touch_end", (team_id, agent, ticket_id))

    def _next_waiting(self, team_id):
        queue = self.waiting[team_id]
        while queue:
            _, _, ticket_id = heapq.heappop(queue)
            ticket = self.tickets[ticket_id]
            if ticket[2] == "waiting" and ticket[0] == team_id:
                return ticket_id
        return None

    @staticmethod
    def _add_by_hour(buckets, start, end):
        while start < end:
            cut = min(end, start.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1))
            buckets[start.hour] += (cut - start).total_seconds()
            start = cut

    def _on_touch_end(self, at, payload):
        team_id, agent, ticket_id = payload
        # One reply, sent as solved or as pending the customer (the composer's "Then set status").
        solved = self.agent_rng.random() < self.scenario["agents"]["close_per_touch"]
        status = Status.SOLVED if solved else Status.PENDING
        body = "Simulated reply: here is what we found."
        ticket_reply(ticket=Ticket(pk=ticket_id), body=body, actor=agent[0], status=status, at=at)
        if solved:
            self.tickets[ticket_id][2] = "solved"
            self.open_by_team[self.tickets[ticket_id][0]].discard(ticket_id)
        else:
            self.tickets[ticket_id][2] = "pending"
            later = at + dt.timedelta(minutes=draw(self.agent_rng, self.scenario["agents"]["customer_reply_minutes"]))
            self._push(later, "customer_reply", ticket_id)
        self._dispatch(team_id, at)

    def _on_customer_reply(self, at, ticket_id):
        ticket_customer_message(ticket=Ticket(pk=ticket_id), body="Simulated customer: thanks, one more thing.", at=at)
        self._wait(ticket_id)
        self._dispatch(self.tickets[ticket_id][0], at)

    def _on_notes(self, at, team_id):
        """Before the shift ends, agents write the Next Action of the team's tickets that would block, or forget."""
        agents = self.agents.get(team_id)
        if not agents or not self.working(team_id, at):
            return
        share = self.scenario["agents"]["next_action_before_shift_end"]
        rule = settings_for(self.teams[team_id]).note_rule
        tickets = Ticket.objects.filter(team_id=team_id, status__in=OPEN_STATUSES).order_by("pk")
        fields = ["next_action", "next_action_set_at", "last_customer_message_at", "last_handed_off_at"]
        lacking = [
            pk
            for pk, note, set_at, customer_at, handed_at in tickets.values_list("pk", *fields)
            if note_problem(
                rule,
                next_action=note,
                set_at=set_at,
                last_customer_message_at=customer_at,
                last_handed_off_at=handed_at,
            )
        ]
        for i, ticket_id in enumerate(lacking):
            if self.agent_rng.random() < share:
                ticket_set_next_action(
                    ticket=Ticket(pk=ticket_id),
                    text="Simulated: check the customer's answer and continue the fix.",
                    actor=agents[i % len(agents)][0],
                    at=at,
                )

    def _on_scheduler(self, at, _):
        """The beat's every-minute job, at each shift end and every SCHEDULER_EVERY."""
        result = run_due_handoffs(now=at)
        if result["runs"] or result["moved_after_block"]:
            self._follow_moves(at)

    def _on_outage_start(self, at, region):
        region_set_status(region=region, status=RegionStatus.DOWN, reason="Simulated outage", actor=None)
        self.down.add(region.pk)
        # What handoff's receiver queues on the status change (its message is held back here), run in place.
        handoff_failover(region=region, now=at)
        self._follow_moves(at)

    def _on_outage_end(self, at, region):
        region_set_status(region=region, status=RegionStatus.OPERATIONAL, reason="Simulated recovery", actor=None)
        self.down.discard(region.pk)

    def _follow_moves(self, at):
        """Read where handoffs put the open tickets; waiting ones join their new team's queue."""
        # In the model's order (SLA due, id): deterministic, and the order they join their new queues in.
        for ticket_id, team_id in Ticket.objects.filter(status__in=OPEN_STATUSES).values_list("pk", "team_id"):
            ticket = self.tickets[ticket_id]
            if ticket[0] != team_id:
                self.open_by_team[ticket[0]].discard(ticket_id)
                self.open_by_team[team_id].add(ticket_id)
                ticket[0] = team_id
                if ticket[2] == "waiting":
                    self._wait(ticket_id)
        bouncing = bouncing_tickets(Ticket.objects.all()).values_list("pk", flat=True)
        self.bouncing.update(bouncing)
        for team_id in self.teams:
            self._dispatch(team_id, at)

    def _sample(self, t0):
        """Once per step: cold-queue time, agents on shift, and (hourly) the cold detector's count."""
        seconds = self.step.total_seconds()
        for team_id, team in self.teams.items():
            if self.working(team_id, t0):
                self.scheduled[t0.hour] += seconds * len(self.agents.get(team_id, []))
            elif self.open_by_team[team_id]:
                for ticket_id in self.open_by_team[team_id]:
                    self.cold_seconds[ticket_id] += seconds
                self.cold_by_team[team.code] += seconds * len(self.open_by_team[team_id])
        if t0.minute < self.step.total_seconds() / 60:  # the hour's first step
            self.cold_flag_peak = max(self.cold_flag_peak, cold_tickets(Ticket.objects.all(), now=t0).count())
