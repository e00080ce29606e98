"""A small knowledge world: Dublin Tier 2 owns the articles; Dublin Tier 1 and a Manila BPO Tier 1 team read them."""

import pytest

from knowledge.models import Category
from knowledge.services import article_create, article_transition, translation_save
from regions.models import AgentLanguage
from tests.factories import AgentFactory, RegionFactory, TeamFactory, UserFactory, VendorFactory, shift_pattern

BODY = "## Steps\n\n1. Open the billing console.\n2. Refund the order.\n3. Tell the customer."


@pytest.fixture
def kb(db):
    dublin = RegionFactory(code="dub", name="Dublin", time_zone="Europe/Dublin", country="IE")
    manila = RegionFactory(code="mnl", name="Manila", time_zone="Asia/Manila", country="PH", residency_zone="APAC")
    owners = TeamFactory(code="t2-dub", name="Dublin Tier 2", region=dublin, tier=2)
    tier1 = TeamFactory(code="t1-dub", name="Dublin Tier 1", region=dublin, tier=1)
    bpo = VendorFactory(name="Pacific Shore BPO", kind="bpo")
    vendor_team = TeamFactory(code="t1-mnl", name="Manila Tier 1", region=manila, tier=1, vendor=bpo)
    for team in (owners, tier1, vendor_team):
        shift_pattern(team, "00:00-00:00")
    lead = UserFactory(username="lead.dub", first_name="Liam", last_name="Lead", role="lead")
    owners.leads.add(lead)
    tier1.leads.add(lead)
    world = {
        "owners": owners,
        "tier1": tier1,
        "vendor_team": vendor_team,
        "lead": lead,
        "owner": AgentFactory(
            team=owners, user=UserFactory(username="owner.dub", first_name="Orla", last_name="Owner", role="agent")
        ).user,
        "agent": AgentFactory(
            team=tier1, user=UserFactory(username="agent.dub", first_name="Aoife", last_name="Byrne", role="agent")
        ).user,
        "vendor": AgentFactory(
            team=vendor_team,
            user=UserFactory(username="agent.mnl", first_name="Maria", last_name="Santos", role="agent"),
        ).user,
        "admin": UserFactory(username="admin", role="admin"),
        "category": Category.objects.create(name="Billing and refunds", slug="billing"),
    }
    world["mexican"] = AgentFactory(
        team=tier1, user=UserFactory(username="agent.es", first_name="Diego", last_name="Cruz", role="agent")
    ).user
    AgentLanguage.objects.create(agent=world["mexican"].agent, language="es", proficiency="native")
    AgentLanguage.objects.create(agent=world["mexican"].agent, language="en", proficiency="B2")
    return world


def publish(kb, title="Issue a refund", body=BODY, *, audience="internal", tiers=(), actor=None):
    actor = actor or kb["owner"]
    article = article_create(
        owner_team=kb["owners"],
        category=kb["category"],
        title=title,
        body=body,
        audience=audience,
        tiers=tiers,
        actor=actor,
    )
    return article_transition(article=article, to="published", actor=actor)


def translate(kb, article, locale="es", title="Emitir un reembolso", body="Abre la consola y reembolsa el pedido."):
    return translation_save(article=article, locale=locale, title=title, body=body, actor=kb["owner"])
