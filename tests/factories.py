import factory
from django.contrib.auth import get_user_model

from compliance.models import Role
from compliance.services import role_grant

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    time_zone = "UTC"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if create and extracted:
            role_grant(user=user, role=Role(extracted))


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "regions.Region"
        django_get_or_create = ("code",)

    code = "dub"
    name = "Dublin"
    time_zone = "Europe/Dublin"
    country = "IE"
    residency_zone = "EU"


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "regions.Vendor"
        django_get_or_create = ("name",)

    name = "Meridian"
    kind = "in_house"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "regions.Team"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"team{n}")
    name = factory.LazyAttribute(lambda t: f"Team {t.code}")
    region = factory.SubFactory(RegionFactory)
    tier = 1
    vendor = factory.SubFactory(VendorFactory)
    min_headcount = 0


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "regions.Agent"

    user = factory.SubFactory(UserFactory, role="agent")
    team = factory.SubFactory(TeamFactory)
    tier = factory.LazyAttribute(lambda a: a.team.tier)


def shift_pattern(team, hours, *, weekdays=range(7), valid_from="2020-01-01", **kwargs):
    """A pattern for TEAM working HOURS ("22:00-06:00") on WEEKDAYS (0 = Monday)."""
    from regions.models import ShiftDay, ShiftPattern

    start, end = hours.split("-")
    pattern = ShiftPattern.objects.create(team=team, name=hours, valid_from=valid_from, **kwargs)
    ShiftDay.objects.bulk_create(ShiftDay(pattern=pattern, weekday=d, start=start, end=end) for d in weekdays)
    return ShiftPattern.objects.get(pk=pattern.pk)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tickets.Customer"
        django_get_or_create = ("email",)

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"customer{n}@example.org")
    country = "IE"
    language = "en"


def ticket(customer=None, **kwargs):
    """A ticket created through the service, as a customer's first message would."""
    from tickets.services import ticket_create

    kwargs.setdefault("subject", "Cannot log in")
    kwargs.setdefault("body", "I get an error when I log in.")
    kwargs.setdefault("channel", "email")
    return ticket_create(customer=customer or CustomerFactory(), **kwargs)
