import datetime as dt
import zoneinfo
from functools import lru_cache

import holidays
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError("%(value)s is not an IANA time zone name.", params={"value": value})


def validate_country(value):
    if value not in holidays.list_supported_countries():
        raise ValidationError(
            "%(value)s is not an ISO 3166 country code we know holidays for.", params={"value": value}
        )


@lru_cache(maxsize=256)
def _country_holidays(country, year):
    return dict(holidays.country_holidays(country, years=year))


class ResidencyZone(models.TextChoices):
    EU = "EU", "European Union"
    APAC = "APAC", "Asia-Pacific"
    AMER = "AMER", "Americas"


# Where a customer's data may be handled, by the customer's country.
_EU = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK IS LI NO CH GB".split()
_AMER = "US CA MX BR AR CL CO PE UY EC BO PY VE CR PA GT HN SV NI DO CU PR JM".split()


def residency_zone_for(country):
    """The residency zone of a customer in COUNTRY (APAC for every country not listed elsewhere)."""
    if country in _EU:
        return ResidencyZone.EU
    if country in _AMER:
        return ResidencyZone.AMER
    return ResidencyZone.APAC


class RegionStatus(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    DEGRADED = "degraded", "Degraded"
    DOWN = "down", "Down"


class Tier(models.IntegerChoices):
    TIER_1 = 1, "Tier 1"
    TIER_2 = 2, "Tier 2"
    TIER_3 = 3, "Tier 3"


class Region(models.Model):
    code = models.SlugField(max_length=12, unique=True)
    name = models.CharField(max_length=80)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone], help_text="IANA name")
    country = models.CharField(max_length=2, validators=[validate_country], help_text="ISO 3166-1 alpha-2")
    residency_zone = models.CharField(max_length=8, choices=ResidencyZone.choices)
    # Changed only through services.region_set_status, which records who and why.
    status = models.CharField(max_length=12, choices=RegionStatus.choices, default=RegionStatus.OPERATIONAL)
    status_reason = models.CharField(max_length=300, blank=True)
    status_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    def holiday_name(self, day, overrides=None):
        """The public holiday on DAY (a local date), or None.

        OVERRIDES: {date: RegionHoliday} prefetched by the caller; read from the database otherwise.
        """
        if overrides is None:
            overrides = {h.date: h for h in self.holiday_overrides.filter(date=day)}
        override = overrides.get(day)
        if override is not None:
            return override.name if override.kind == RegionHoliday.Kind.ADDED else None
        return _country_holidays(self.country, day.year).get(day)


class RegionHoliday(models.Model):
    """An admin's correction to the country's public holidays for one region."""

    class Kind(models.TextChoices):
        ADDED = "added", "Added (a day off)"
        REMOVED = "removed", "Removed (a working day)"

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="holiday_overrides")
    date = models.DateField()
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.ADDED)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["region", "date"], name="one_holiday_override_per_day")]

    def __str__(self):
        return f"{self.region.code} {self.date}: {self.name} ({self.get_kind_display()})"


class RegionStatusChange(models.Model):
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=RegionStatus.choices)
    to_status = models.CharField(max_length=12, choices=RegionStatus.choices)
    reason = models.CharField(max_length=300)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at"]
        get_latest_by = "changed_at"

    def __str__(self):
        return f"{self.region.code}: {self.from_status} -> {self.to_status} ({self.reason})"


class Vendor(models.Model):
    class Kind(models.TextChoices):
        IN_HOUSE = "in_house", "In-house"
        BPO = "bpo", "BPO partner"

    name = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Team(models.Model):
    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=80)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="teams")
    tier = models.PositiveSmallIntegerField(choices=Tier.choices)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="teams")
    leads = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="led_teams")
    min_headcount = models.PositiveSmallIntegerField(
        default=2, help_text="Fewest agents the team needs while on shift; fewer is a coverage warning."
    )
    meeting_url = models.URLField(
        "stand-up meeting link",
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="The team's video call for the shift stand-up (any tool: Meet, Teams, Zoom, Jitsi), "
        "shown on its briefing; https://…",
    )

    class Meta:
        ordering = ["tier", "code"]
        permissions = [("view_coverage", "Can see coverage and staffing of every tier")]

    def __str__(self):
        return self.name


class Presence(models.TextChoices):
    AVAILABLE = "available", "Available"
    AWAY = "away", "Away"
    OFFLINE = "offline", "Offline"


class Agent(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="members")
    tier = models.PositiveSmallIntegerField(choices=Tier.choices)
    skills = models.JSONField(default=list, blank=True, help_text='Tags, e.g. ["billing", "api"]')
    capacity = models.PositiveSmallIntegerField(default=20, help_text="Most open tickets the agent holds at once")
    presence = models.CharField(max_length=10, choices=Presence.choices, default=Presence.OFFLINE)

    class Meta:
        ordering = ["user__username"]

    def __str__(self):
        return self.user.get_full_name() or self.user.username

    def clean(self):
        if not isinstance(self.skills, list) or not all(isinstance(s, str) and s for s in self.skills):
            raise ValidationError({"skills": "Give a list of non-empty tags."})


class Proficiency(models.TextChoices):
    A1 = "A1", "A1 beginner"
    A2 = "A2", "A2 elementary"
    B1 = "B1", "B1 intermediate"
    B2 = "B2", "B2 upper intermediate"
    C1 = "C1", "C1 advanced"
    C2 = "C2", "C2 proficient"
    NATIVE = "native", "Native"


class AgentLanguage(models.Model):
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(max_length=8, help_text="ISO 639-1 code, e.g. en, es, tl")
    proficiency = models.CharField(max_length=6, choices=Proficiency.choices)
    certified_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["language"]
        constraints = [models.UniqueConstraint(fields=["agent", "language"], name="one_level_per_language")]

    def __str__(self):
        return f"{self.language} ({self.proficiency})"


class ShiftPattern(models.Model):
    """A team's weekly working hours in its region's local time."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="shift_patterns")
    name = models.CharField(max_length=80)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Last day the pattern applies; empty: open-ended")
    works_public_holidays = models.BooleanField(
        default=False, help_text="Work on the region's public holidays (otherwise those days are off)"
    )

    class Meta:
        ordering = ["team", "valid_from"]

    def __str__(self):
        return f"{self.team.code}: {self.name}"

    def clean(self):
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "The pattern cannot end before it starts."})

    def applies_on(self, day):
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def instants_on(self, day, region=None, overrides=None):
        """The UTC (start, end) of the shift starting on local date DAY, or None when off.

        Local wall-clock times are turned into instants with zoneinfo, so a DST change on
        the day is handled by construction: a shift is as long as the clocks say it is
        (09:00-17:00 is 8 h, a night shift across the change night is 7 h or 9 h). A time
        inside the spring-forward gap is read with the offset before the change (01:30
        becomes 02:30).
        """
        if not self.applies_on(day):
            return None
        shift_day = next((d for d in self.days.all() if d.weekday == day.weekday()), None)
        if shift_day is None:
            return None
        region = region or self.team.region
        if not self.works_public_holidays and region.holiday_name(day, overrides) is not None:
            return None
        start = dt.datetime.combine(day, shift_day.start, tzinfo=region.zone)
        end_day = day + dt.timedelta(days=1) if shift_day.crosses_midnight else day
        end = dt.datetime.combine(end_day, shift_day.end, tzinfo=region.zone)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


class ShiftDay(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    pattern = models.ForeignKey(ShiftPattern, on_delete=models.CASCADE, related_name="days")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField(help_text="Local time the shift starts")
    end = models.TimeField(help_text="Local time it ends; earlier than the start means the next day")

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [models.UniqueConstraint(fields=["pattern", "weekday"], name="one_shift_per_weekday")]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def crosses_midnight(self):
        return self.end <= self.start


class Rotation(models.Model):
    """The follow-the-sun order of teams for one tier."""

    tier = models.PositiveSmallIntegerField(choices=Tier.choices, unique=True)
    around_the_clock = models.BooleanField(
        default=True,
        help_text="The tier must be covered 24x7; off: hours without a team are closed, not gaps",
    )
    min_overlap_minutes = models.PositiveSmallIntegerField(
        default=60, validators=[MaxValueValidator(720)], help_text="Shortest acceptable handover overlap"
    )

    class Meta:
        ordering = ["tier"]

    def __str__(self):
        return f"{self.get_tier_display()} rotation"


class RotationStep(models.Model):
    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="steps")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="rotation_steps")
    position = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["rotation", "position"], name="one_team_per_position"),
            models.UniqueConstraint(fields=["rotation", "team"], name="team_once_per_rotation"),
        ]

    def __str__(self):
        return f"{self.position}. {self.team}"

    def clean(self):
        if self.team_id and self.rotation_id and self.team.tier != self.rotation.tier:
            raise ValidationError({"team": "The team serves another tier than this rotation."})


class SourcingRule(models.Model):
    """Tier -> preferred regions, in order; routing tries them first."""

    tier = models.PositiveSmallIntegerField(choices=Tier.choices)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="sourcing_rules")
    preference = models.PositiveSmallIntegerField(default=1, help_text="1 is tried first")
    note = models.CharField(max_length=200, blank=True, help_text="Why this region serves this tier")

    class Meta:
        ordering = ["tier", "preference"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "region"], name="region_once_per_tier"),
            models.UniqueConstraint(fields=["tier", "preference"], name="one_region_per_preference"),
        ]

    def __str__(self):
        return f"Tier {self.tier} -> {self.region} ({self.preference})"


class VolumeForecast(models.Model):
    """Expected new tickets per hour for a tier, by weekday and UTC hour; feeds Erlang C."""

    tier = models.PositiveSmallIntegerField(choices=Tier.choices)
    weekday = models.PositiveSmallIntegerField(choices=ShiftDay.Weekday.choices)
    hour = models.PositiveSmallIntegerField(validators=[MaxValueValidator(23)], help_text="Hour of day in UTC")
    tickets = models.PositiveIntegerField()

    class Meta:
        ordering = ["tier", "weekday", "hour"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "weekday", "hour"], name="one_forecast_per_hour"),
        ]

    def __str__(self):
        return f"Tier {self.tier} {self.get_weekday_display()} {self.hour:02d}:00 UTC: {self.tickets}"


class StaffingTarget(models.Model):
    """Erlang C inputs per tier."""

    tier = models.PositiveSmallIntegerField(choices=Tier.choices, unique=True)
    average_handle_seconds = models.PositiveIntegerField(default=600)
    target_service_level = models.FloatField(
        default=0.8, validators=[MinValueValidator(0.01), MaxValueValidator(0.99)], help_text="e.g. 0.8"
    )
    answer_seconds = models.PositiveIntegerField(default=3600, help_text="Target time to first response")
    max_occupancy = models.FloatField(default=0.85, validators=[MinValueValidator(0.1), MaxValueValidator(1.0)])

    def __str__(self):
        return f"Tier {self.tier} staffing target"
