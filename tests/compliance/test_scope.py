"""Who sees which tickets: one scope filter used by pages, API and search."""

import pytest

from compliance.models import AuditEntry
from tests.factories import AgentFactory, RegionFactory, TeamFactory, UserFactory, shift_pattern, ticket
from tickets.selectors import ticket_scope
from tickets.services import ticket_assign, ticket_move_to_team, ticket_share

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    dublin = RegionFactory(code="dub", name="Dublin", time_zone="UTC", country="IE")
    manila = RegionFactory(code="mnl", name="Manila", time_zone="UTC", country="PH", residency_zone="APAC")
    teams = {
        "t1-dub": TeamFactory(code="t1-dub", region=dublin, tier=1),
        "t1b-dub": TeamFactory(code="t1b-dub", region=dublin, tier=1),
        "t2-dub": TeamFactory(code="t2-dub", region=dublin, tier=2),
        "t1-mnl": TeamFactory(code="t1-mnl", region=manila, tier=1),
    }
    shift_pattern(teams["t1-dub"], "00:00-00:00")
    return teams


def owned(team, tier=None):
    t = ticket(tier=tier or team.tier)
    return ticket_move_to_team(ticket=t, team=team, actor=None, reason="setup")


def test_agent_sees_own_team_region_same_tier_and_assigned_only(world):
    agent = AgentFactory(team=world["t1-dub"]).user
    own, neighbour = owned(world["t1-dub"]), owned(world["t1b-dub"])
    other_tier, other_region = owned(world["t2-dub"]), owned(world["t1-mnl"])
    mine_elsewhere = ticket_assign(ticket=owned(world["t1-mnl"]), assignee=agent, actor=agent)
    visible = set(ticket_scope(agent).values_list("pk", flat=True))
    assert visible == {own.pk, neighbour.pk, mine_elsewhere.pk}
    assert other_tier.pk not in visible and other_region.pk not in visible


def test_lead_sees_the_teams_they_lead(world):
    lead = UserFactory(role="lead")
    world["t2-dub"].leads.add(lead)
    led, other = owned(world["t2-dub"]), owned(world["t1-dub"])
    assert list(ticket_scope(lead)) == [led]
    assert other not in ticket_scope(lead)


def test_admin_and_integration_see_everything_people_without_role_nothing(world):
    owned(world["t1-dub"]), owned(world["t1-mnl"])
    assert ticket_scope(UserFactory(role="admin")).count() == 2
    assert ticket_scope(UserFactory(role="integration")).count() == 2
    assert ticket_scope(UserFactory()).count() == 0


def test_sharing_a_ticket_is_a_per_object_grant_and_audited(world):
    specialist = AgentFactory(team=world["t1-mnl"]).user
    lead = UserFactory(role="lead")
    t = owned(world["t2-dub"])
    assert t not in ticket_scope(specialist)
    ticket_share(ticket=t, user=specialist, actor=lead)
    assert list(ticket_scope(specialist).filter(pk=t.pk)) == [t]
    assert specialist.has_perm("tickets.view_ticket", t)  # guardian's direct foreign-key model
    assert AuditEntry.objects.filter(action="permission_change", object_id=str(t.pk)).exists()
    assert t.events.filter(summary__startswith="Shared with").exists()


def test_scope_is_one_query_whatever_the_size(world, django_assert_max_num_queries):
    agent = AgentFactory(team=world["t1-dub"]).user
    for _ in range(5):
        owned(world["t1-dub"])
    agent.refresh_from_db()
    with django_assert_max_num_queries(6):
        assert len(list(ticket_scope(agent))) == 5


def test_integration_scope_limits_a_token_to_its_regions(world):
    from compliance.models import IntegrationScope

    bot = UserFactory(role="integration")
    dublin_ticket, manila_ticket = owned(world["t1-dub"]), owned(world["t1-mnl"])
    assert ticket_scope(bot).count() == 2  # no scope row: the whole helpdesk
    scope = IntegrationScope.objects.create(user=bot, note="EU CRM sync")
    assert ticket_scope(bot).count() == 0  # a scope with no region reaches nothing
    scope.regions.add(world["t1-dub"].region)
    assert list(ticket_scope(bot)) == [dublin_ticket]
    assert manila_ticket not in ticket_scope(bot)
