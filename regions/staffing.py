"""Erlang C staffing for one queue over one interval.

    A   = volume * aht / interval                      offered traffic, in Erlangs
    B_0 = 1,  B_n = A * B_(n-1) / (n + A * B_(n-1))    Erlang B, built up one agent at a time
    Pw  = N * B_N / (N - A * (1 - B_N))                Erlang C: the chance a contact has to wait
    SL  = 1 - Pw * exp(-(N - A) * t / aht)             share of contacts answered within t seconds
    ASA = Pw * aht / (N - A)                           average speed of answer, in seconds

The queue only drains when N > A; with fewer agents every contact waits and the wait grows without bound.
"""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class StaffingResult:
    agents: int
    service_level: float
    average_speed_of_answer: float
    occupancy: float
    traffic: float


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


def _check_aht(aht: float) -> None:
    _require(math.isfinite(aht) and aht > 0, f"aht must be a finite number of seconds > 0, got {aht!r}")


def _check_answer_time(answer_time: float) -> None:
    _require(
        math.isfinite(answer_time) and answer_time >= 0,
        f"answer_time must be a finite number of seconds >= 0, got {answer_time!r}",
    )


def traffic_intensity(*, volume: float, aht: float, interval: float) -> float:
    # isfinite also rejects NaN, which would slip through every comparison.
    _require(math.isfinite(volume) and volume >= 0, f"volume must be a finite number >= 0, got {volume!r}")
    _check_aht(aht)
    _require(
        math.isfinite(interval) and interval > 0,
        f"interval must be a finite number of seconds > 0, got {interval!r}",
    )
    return volume * aht / interval


def probability_of_waiting(*, traffic: float, agents: int) -> float:
    _require(
        math.isfinite(traffic) and traffic >= 0,
        f"traffic must be a finite number of Erlangs >= 0, got {traffic!r}",
    )
    _require(agents >= 0, f"agents must be >= 0, got {agents!r}")
    if agents <= traffic:
        return 1.0
    # The textbook form divides A**N by N!, which overflows floats near 170 agents;
    # the Erlang B recursion stays within [0, 1] at every step.
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return agents * blocking / (agents - traffic * (1 - blocking))


def service_level(*, traffic: float, agents: int, aht: float, answer_time: float) -> float:
    _check_aht(aht)
    _check_answer_time(answer_time)
    if agents <= traffic:
        return 0.0
    waiting = probability_of_waiting(traffic=traffic, agents=agents)
    return 1 - waiting * math.exp(-(agents - traffic) * answer_time / aht)


def average_speed_of_answer(*, traffic: float, agents: int, aht: float) -> float:
    _check_aht(aht)
    if agents <= traffic:
        return math.inf
    return probability_of_waiting(traffic=traffic, agents=agents) * aht / (agents - traffic)


def staffing_for(*, volume: float, aht: float, interval: float, agents: int, answer_time: float) -> StaffingResult:
    traffic = traffic_intensity(volume=volume, aht=aht, interval=interval)
    _check_answer_time(answer_time)
    _require(agents >= 0, f"agents must be >= 0, got {agents!r}")
    if traffic == 0:
        # No contacts: nobody waits, however few agents there are.
        return StaffingResult(agents, 1.0, 0.0, 0.0, 0.0)
    return StaffingResult(
        agents=agents,
        service_level=service_level(traffic=traffic, agents=agents, aht=aht, answer_time=answer_time),
        average_speed_of_answer=average_speed_of_answer(traffic=traffic, agents=agents, aht=aht),
        occupancy=traffic / agents if agents else math.inf,
        traffic=traffic,
    )


def required_agents(
    *,
    volume: float,
    aht: float,
    interval: float,
    target_sl: float,
    answer_time: float,
    max_occupancy: float = 1.0,
) -> StaffingResult:
    traffic = traffic_intensity(volume=volume, aht=aht, interval=interval)
    _require(0 < target_sl < 1, f"target_sl must be a fraction strictly between 0 and 1, got {target_sl!r}")
    _check_answer_time(answer_time)
    _require(0 < max_occupancy <= 1, f"max_occupancy must be a fraction in (0, 1], got {max_occupancy!r}")

    def staffed(agents: int) -> StaffingResult:
        return staffing_for(volume=volume, aht=aht, interval=interval, agents=agents, answer_time=answer_time)

    if traffic == 0:
        return staffed(0)
    # floor(A) + 1 is the fewest agents that drain the queue; one below A / max_occupancy
    # absorbs the rounding of that division, the occupancy test below being the exact rule.
    agents = max(math.floor(traffic) + 1, math.ceil(traffic / max_occupancy) - 1)
    # SL rises towards 1 with every agent added, so counting up always ends.
    while True:
        if traffic / agents <= max_occupancy:
            result = staffed(agents)
            if result.service_level >= target_sl:
                return result
        agents += 1
