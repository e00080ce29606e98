"""Masking applied where personal data leaves the server: pages, search, reveal, API, notifications, policy page."""

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from compliance.models import (
    Audience,
    AuditAction,
    AuditEntry,
    PiiField,
    PiiPolicy,
    PiiReveal,
    ResidencyRestriction,
    Treatment,
)
from tests.factories import (
    AgentFactory,
    CustomerFactory,
    RegionFactory,
    TeamFactory,
    UserFactory,
    VendorFactory,
    shift_pattern,
    ticket,
)
from tickets.models import Macro, Notification
from tickets.notifications import notifications_email
from tickets.services import ticket_assign, ticket_customer_message

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
EMAIL = "ana.ruiz@example.com"
MASKED_EMAIL = "a•••@example.com"
CARD = "4111111111111111"
PHONE = "+353 1 555 0199"
ADDRESS = "1 Main Street, Dublin"
BODY = f"Hello, please write to {EMAIL} or call {PHONE}; my order number is 42."


@pytest.fixture
def dublin():
    region = RegionFactory(code="dub", name="Dublin", time_zone="Europe/Dublin", country="IE", residency_zone="EU")
    return region


def _agent(team, username):
    user = UserFactory(username=username, role="agent", time_zone="Europe/Dublin")
    AgentFactory(user=user, team=team)
    return user


@pytest.fixture
def vendor_agent(dublin):
    """A Tier-1 agent of an outsourcing partner, working from Dublin."""
    team = TeamFactory(
        code="bpo-t1",
        name="Pacific Shore T1",
        region=dublin,
        tier=1,
        vendor=VendorFactory(name="Pacific Shore BPO", kind="bpo"),
    )
    shift_pattern(team, "00:00-00:00")
    return _agent(team, "vendor1")


@pytest.fixture
def inhouse_agent(dublin):
    team = TeamFactory(code="dub-t1", name="Dublin T1", region=dublin, tier=1)
    shift_pattern(team, "00:00-00:00")
    return _agent(team, "inhouse1")


@pytest.fixture
def ana():
    return CustomerFactory(
        name="Ana Ruiz",
        email=EMAIL,
        phone=PHONE,
        address=ADDRESS,
        account_id="ACC-778899",
        payment_card=CARD,
        country="IE",
    )


def ticket_for(agent, customer, **kwargs):
    """A ticket assigned to AGENT, so it is in their scope whatever the team rules."""
    return ticket_assign(ticket=ticket(customer=customer, body=BODY, **kwargs), assignee=agent, actor=agent)


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def raw_values_in(html):
    return [value for value in (EMAIL, CARD, PHONE, ADDRESS, "ACC-778899", "555 0199") if value in html]


# Ticket page


def test_vendor_agent_sees_masked_customer_on_the_ticket_page(client, vendor_agent, ana):
    # given a ticket of Ana's assigned to a vendor Tier-1 agent
    t = ticket_for(vendor_agent, ana, subject="Refund not received")
    client.force_login(vendor_agent)

    # when they open it
    response = client.get(reverse("ticket", args=[t.pk]))

    # then the email, card, phone and the message body are masked, the address hidden, with badges
    html = response.content.decode()
    assert response.status_code == 200
    assert MASKED_EMAIL in html and "•••• 1111" in html and "•••• 0199" in html
    assert "[hidden]" in html and "hidden" in html
    assert 'class="badge pii pii-masked"' in html and 'class="badge pii pii-hidden"' in html
    assert "order number is 42" in html
    # and no raw value is anywhere in the HTML, not even in a mailto link
    assert raw_values_in(html) == []
    assert "mailto:" not in html.split('id="customer-heading"')[1]
    # and a masked field offers a reveal form; a hidden one does not
    assert 'name="field" value="customer_email"' in html
    assert 'name="field" value="payment_card"' in html
    assert 'name="field" value="customer_address"' not in html


def test_inhouse_agent_sees_the_customer_in_full(client, inhouse_agent, ana):
    t = ticket_for(inhouse_agent, ana)
    client.force_login(inhouse_agent)
    html = client.get(reverse("ticket", args=[t.pk])).content.decode()
    assert f'href="mailto:{EMAIL}"' in html and ADDRESS in html and PHONE in html
    assert EMAIL in html.split('class="message-body"')[1]  # the body is not masked either
    assert CARD not in html and "•••• 1111" in html  # nobody needs the card number
    assert 'name="field" value="customer_email"' not in html


def test_live_fragment_masks_bodies_too(client, vendor_agent, ana):
    t = ticket_for(vendor_agent, ana)
    client.force_login(vendor_agent)
    html = client.get(reverse("ticket-live", args=[t.pk])).content.decode()
    assert MASKED_EMAIL in html and raw_values_in(html) == []


def test_body_is_masked_before_markdown_and_stays_sanitised(client, vendor_agent, ana):
    t = ticket_for(vendor_agent, ana)
    ticket_customer_message(ticket=t, body=f"[mail me](mailto:{EMAIL}) <script>alert(1)</script> **now**")
    client.force_login(vendor_agent)
    html = client.get(reverse("ticket", args=[t.pk])).content.decode()
    assert EMAIL not in html and "<script>alert" not in html and "<strong>now</strong>" in html


def test_macro_does_not_fill_in_a_name_the_agent_may_not_see(client, vendor_agent, ana):
    PiiPolicy.objects.create(field=PiiField.NAME, audience=Audience.VENDOR_T1, treatment=Treatment.MASKED)
    macro = Macro.objects.create(name="Hello", body="Hi {customer_name}, about {reference}.")
    t = ticket_for(vendor_agent, ana)
    client.force_login(vendor_agent)
    html = client.get(reverse("ticket-macro", args=[t.pk]), {"macro": macro.pk}).content.decode()
    assert f"Hi {{customer_name}}, about {t.reference}." in html and "Ana" not in html
    # the placeholder is filled when the reply goes to the customer
    from tickets.services import ticket_reply

    ticket_reply(ticket=t, body=f"Hi {{customer_name}}, about {t.reference}.", actor=vendor_agent)
    assert t.events.filter(kind="reply").last().body == f"Hi {ana.name}, about {t.reference}."


# Queue and search


def test_vendor_queue_shows_masked_email_only(client, vendor_agent, ana):
    ticket_for(vendor_agent, ana, subject="Refund not received")
    client.force_login(vendor_agent)
    html = client.get(reverse("queue")).content.decode()
    assert "Refund not received" in html and MASKED_EMAIL in html
    assert raw_values_in(html) == []


def test_masked_agent_finds_a_ticket_by_the_full_email_and_sees_it_masked(client, vendor_agent, ana):
    # given two tickets, one of Ana's
    mine = ticket_for(vendor_agent, ana, subject="Refund not received")
    ticket_for(vendor_agent, CustomerFactory(email="bob@example.org"), subject="Invoice question")
    client.force_login(vendor_agent)

    # when the vendor agent searches by Ana's full email, in another case
    response = client.get(reverse("queue"), {"q": EMAIL.upper()})

    # then the ticket is found, shown with the masked email; the raw email is only in the search box they typed
    assert [t.pk for t in response.context["page_obj"]] == [mine.pk]
    rows = response.content.decode().split('id="queue-live"')[1]
    assert MASKED_EMAIL in rows and raw_values_in(rows) == []
    assert response.context["view"] == "all"


def test_search_by_part_of_an_email_finds_nothing(client, vendor_agent, ana):
    ticket_for(vendor_agent, ana, subject="Refund not received")
    client.force_login(vendor_agent)
    for fragment in ("ana.ruiz@", "@example.com", "ana.ruiz@example"):
        response = client.get(reverse("queue"), {"q": fragment})
        assert list(response.context["page_obj"]) == [], fragment
    assert "full email address, written out completely" in response.content.decode()


def test_search_by_reference_and_subject(client, vendor_agent, ana):
    t = ticket_for(vendor_agent, ana, subject="Refund not received")
    other = ticket_for(vendor_agent, ana, subject="Password reset")
    client.force_login(vendor_agent)
    by_ref = client.get(reverse("queue"), {"q": t.reference.lower()})
    assert [x.pk for x in by_ref.context["page_obj"]] == [t.pk]
    by_subject = client.get(reverse("queue"), {"q": "password"})
    assert [x.pk for x in by_subject.context["page_obj"]] == [other.pk]


def test_search_stays_within_scope(client, vendor_agent, ana):
    # given a ticket of Ana's in another region's team, out of the vendor agent's scope
    sydney = TeamFactory(code="syd-t1", region=RegionFactory(code="syd", name="Sydney", country="AU"), tier=1)
    ticket_assign(ticket=ticket(customer=ana), assignee=_agent(sydney, "syd1"), actor=None)
    client.force_login(vendor_agent)
    assert list(client.get(reverse("queue"), {"q": EMAIL}).context["page_obj"]) == []


# Reveal


def test_reveal_needs_a_reason(client, vendor_agent, ana):
    t = ticket_for(vendor_agent, ana)
    client.force_login(vendor_agent)
    url = reverse("ticket", args=[t.pk])
    response = client.post(
        reverse("pii-reveal"), {"customer": ana.pk, "field": "customer_email", "reason": "  ", "next": url}
    )
    assert response.status_code == 302 and response["Location"] == url
    assert texts(response) == ["Nothing was revealed: Say why you need to see this value."]
    assert not PiiReveal.objects.exists()
    assert EMAIL not in client.get(url).content.decode()


def test_reveal_with_a_reason_shows_the_value_until_it_expires(client, vendor_agent, ana):
    with time_machine.travel(NOW, tick=False):
        t = ticket_for(vendor_agent, ana)
        client.force_login(vendor_agent)
        url = reverse("ticket", args=[t.pk])

        # when the agent reveals the email with a reason
        response = client.post(
            reverse("pii-reveal"),
            {"customer": ana.pk, "field": "customer_email", "reason": "Customer asks to confirm it", "next": url},
        )

        # then they are back on the ticket, told until when, and the page shows the email as revealed
        assert response.status_code == 302 and response["Location"] == url
        assert texts(response) == [
            "Customer email revealed until 10:15 (Europe/Dublin). Your reason is recorded in the audit log."
        ]
        html = client.get(url).content.decode()
        assert f'href="mailto:{EMAIL}"' in html and "pii-revealed" in html and ">10:15</time>" in html
        assert CARD not in html  # the rest stays masked
        entry = AuditEntry.objects.get(action=AuditAction.PII_REVEAL)
        assert entry.actor == vendor_agent and entry.details["reason"] == "Customer asks to confirm it"

    with time_machine.travel(NOW + dt.timedelta(minutes=16), tick=False):
        assert EMAIL not in client.get(url).content.decode()


def test_reveal_of_a_hidden_field_is_refused(client, vendor_agent, ana):
    t = ticket_for(vendor_agent, ana)
    client.force_login(vendor_agent)
    url = reverse("ticket", args=[t.pk])
    response = client.post(
        reverse("pii-reveal"), {"customer": ana.pk, "field": "customer_address", "reason": "Ship it", "next": url}
    )
    assert response["Location"] == url
    assert texts(response) == ["Nothing was revealed: This field is hidden for your role and cannot be revealed."]
    assert not PiiReveal.objects.exists()


def test_residency_mask_cannot_be_revealed(client, ana):
    # given an in-house agent in AMER, and EU data that may not be handled there
    austin = RegionFactory(code="aus", name="Austin", time_zone="America/Chicago", country="US", residency_zone="AMER")
    agent = _agent(TeamFactory(code="aus-t1", name="Austin T1", region=austin, tier=1), "austin1")
    ResidencyRestriction.objects.create(data_zone="EU", handling_zone="AMER")
    t = ticket_for(agent, ana)
    client.force_login(agent)
    url = reverse("ticket", args=[t.pk])

    # then the page masks the email without offering a reveal, and a crafted reveal is refused
    html = client.get(url).content.decode()
    assert MASKED_EMAIL in html and EMAIL not in html and 'value="customer_email"' not in html
    response = client.post(
        reverse("pii-reveal"), {"customer": ana.pk, "field": "customer_email", "reason": "need it", "next": url}
    )
    assert texts(response) == ["Nothing was revealed: EU customer data may not be shown unmasked in your region."]
    assert not PiiReveal.objects.exists()


def test_reveal_of_a_customer_out_of_scope_is_404(client, vendor_agent, inhouse_agent, ana):
    # given Ana's only ticket belongs to another agent in another tier
    other_team = TeamFactory(code="dub-t2", region=inhouse_agent.agent.team.region, tier=2)
    ticket_assign(ticket=ticket(customer=ana, tier=2), assignee=_agent(other_team, "t2"), actor=None)
    client.force_login(vendor_agent)
    data = {"customer": ana.pk, "field": "customer_email", "reason": "curious", "next": "/queue/"}
    assert client.post(reverse("pii-reveal"), data).status_code == 404
    assert client.post(reverse("pii-reveal"), {**data, "customer": 999999}).status_code == 404
    assert client.post(reverse("pii-reveal"), {**data, "field": "password"}).status_code == 404
    assert not PiiReveal.objects.exists()


def test_reveal_never_redirects_off_site(client, vendor_agent, ana):
    ticket_for(vendor_agent, ana)
    client.force_login(vendor_agent)
    data = {"customer": ana.pk, "field": "customer_email", "reason": "verify", "next": "https://evil.example/"}
    assert client.post(reverse("pii-reveal"), data)["Location"] == reverse("queue")


def test_reveal_needs_sign_in_and_post(client, vendor_agent, ana):
    response = client.post(reverse("pii-reveal"), {"customer": ana.pk, "field": "customer_email", "reason": "x"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(vendor_agent)
    assert client.get(reverse("pii-reveal")).status_code == 405


# API


def api_for(user, token=True):
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    else:
        client.force_login(user)
    return client


@pytest.mark.parametrize("token", [True, False], ids=["token", "session"])
def test_api_masks_customer_and_bodies_for_a_vendor_agent(vendor_agent, ana, token):
    t = ticket_for(vendor_agent, ana)
    client = api_for(vendor_agent, token)

    detail = client.get(f"/api/v1/tickets/{t.pk}/").json()
    listed = client.get("/api/v1/tickets/", {"customer_email": EMAIL}).json()["results"]
    searched = client.get("/api/v1/tickets/", {"q": EMAIL}).json()["results"]
    messages = client.get(f"/api/v1/tickets/{t.pk}/messages/").json()
    timeline = client.get(f"/api/v1/tickets/{t.pk}/timeline/").json()

    assert detail["customer"]["email"] == MASKED_EMAIL and detail["customer"]["masked_fields"] == ["email"]
    assert [row["id"] for row in listed] == [row["id"] for row in searched] == [t.pk]
    assert listed[0]["customer"]["email"] == MASKED_EMAIL
    first = messages[0]
    assert first["body_masked"] is True and MASKED_EMAIL in first["body"] and MASKED_EMAIL in first["body_html"]
    for payload in (detail, listed, messages, timeline):
        assert raw_values_in(str(payload)) == []


def test_api_shows_in_house_agents_the_full_values(inhouse_agent, ana):
    t = ticket_for(inhouse_agent, ana)
    client = api_for(inhouse_agent)
    assert client.get(f"/api/v1/tickets/{t.pk}/").json()["customer"]["email"] == EMAIL
    body = client.get(f"/api/v1/tickets/{t.pk}/messages/").json()[0]
    assert body["body"] == BODY and body["body_masked"] is False


def test_api_customer_message_summary_follows_the_name_policy(vendor_agent, ana):
    PiiPolicy.objects.create(field=PiiField.NAME, audience=Audience.VENDOR_T1, treatment=Treatment.MASKED)
    t = ticket_for(vendor_agent, ana)
    timeline = api_for(vendor_agent).get(f"/api/v1/tickets/{t.pk}/timeline/").json()
    assert "Ana Ruiz" not in str(timeline)
    assert [e["summary"] for e in timeline if e["kind"] == "customer_message"] == ["A. R."]


# Notifications


def test_notification_and_its_email_mask_the_customer_name_when_the_policy_says_so(vendor_agent, ana, mailoutbox):
    # given customer names are masked for vendor Tier 1, and the vendor agent wants email notifications
    PiiPolicy.objects.create(field=PiiField.NAME, audience=Audience.VENDOR_T1, treatment=Treatment.MASKED)
    vendor_agent.email_notifications = True
    vendor_agent.save()
    t = ticket_for(vendor_agent, ana)

    # when Ana writes again
    ticket_customer_message(ticket=t, body="Any news?")

    # then the notification and its email say who by initials only
    notification = Notification.objects.get(recipient=vendor_agent, kind="customer_reply")
    assert notification.text == f"A. R. replied on {t.reference}"
    notifications_email(ids=[notification.pk], now=NOW)
    assert [m.to for m in mailoutbox] == [[vendor_agent.email]]
    assert "Ana Ruiz" not in mailoutbox[0].subject and "Ana Ruiz" not in mailoutbox[0].body
    assert "A. R. replied" in mailoutbox[0].body


def test_email_is_masked_by_the_policy_in_force_when_it_is_sent(inhouse_agent, ana, mailoutbox):
    t = ticket_for(inhouse_agent, ana)
    ticket_customer_message(ticket=t, body="Any news?")
    notification = Notification.objects.get(recipient=inhouse_agent, kind="customer_reply")
    assert notification.text.startswith("Ana Ruiz replied")
    PiiPolicy.objects.create(field=PiiField.NAME, audience=Audience.INHOUSE_T1, treatment=Treatment.HIDDEN)
    inhouse_agent.__dict__.pop("_pii_viewer", None)
    notifications_email(ids=[notification.pk], now=NOW)
    assert mailoutbox[0].subject == f"[Meridian] [hidden] replied on {t.reference}"


# Policy matrix page


@pytest.fixture
def admin_client(client):
    admin = UserFactory(username="root", role="admin")
    client.force_login(admin)
    client.admin = admin
    return client


def test_admin_sees_the_matrix_with_defaults(admin_client):
    response = admin_client.get(reverse("pii-policies"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Vendor agent, Tier 1" in html and "Payment card" in html
    form = response.context["form"]
    assert form["vendor_t1__customer_address"].initial == "default"
    cells = {(c["field"].name, c["effective"], c["override"]) for row in response.context["rows"] for c in row["cells"]}
    assert ("vendor_t1__customer_address", "hidden", False) in cells
    assert ("inhouse_t1__customer_email", "full", False) in cells


def test_admin_edits_a_cell_and_the_effective_treatment_changes(admin_client, vendor_agent, ana):
    # given the form as shown, when the admin masks customer names for vendor Tier 1
    form = admin_client.get(reverse("pii-policies")).context["form"]
    data = {name: form[name].initial for name in form.fields}
    data["vendor_t1__customer_name"] = "masked"
    response = admin_client.post(reverse("pii-policies"), data)

    # then one override is saved, the page says so, and the change is audited
    assert response.status_code == 302 and response["Location"] == reverse("pii-policies")
    assert texts(response) == ["Saved 1 change; each is recorded in the audit log."]
    assert list(PiiPolicy.objects.values_list("field", "audience", "treatment")) == [
        ("customer_name", "vendor_t1", "masked")
    ]
    entry = AuditEntry.objects.get(action=AuditAction.POLICY_CHANGE)
    assert entry.actor == admin_client.admin and entry.details["effective_after"] == "masked"
    rows = admin_client.get(reverse("pii-policies")).context["rows"]
    name_cell = next(c for c in rows[0]["cells"] if c["field"].name == "vendor_t1__customer_name")
    assert (name_cell["effective"], name_cell["override"]) == ("masked", True)

    # and the vendor agent now sees the name masked on the ticket page
    t = ticket_for(vendor_agent, ana)
    admin_client.force_login(vendor_agent)
    html = admin_client.get(reverse("ticket", args=[t.pk])).content.decode()
    assert "A. R." in html and "Ana Ruiz" not in html

    # and back to the default, the override is gone
    admin_client.force_login(admin_client.admin)
    data["vendor_t1__customer_name"] = "default"
    admin_client.post(reverse("pii-policies"), data)
    assert not PiiPolicy.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.POLICY_CHANGE).count() == 2


def test_matrix_rejects_an_unknown_treatment(admin_client):
    response = admin_client.post(reverse("pii-policies"), {"vendor_t1__customer_name": "shown"})
    assert response.status_code == 400 and not PiiPolicy.objects.exists()


@pytest.mark.parametrize("role", ["agent", "lead", "integration"])
def test_matrix_is_404_for_everyone_but_admins(client, role):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("pii-policies")).status_code == 404
    assert client.post(reverse("pii-policies"), {"vendor_t1__customer_name": "full"}).status_code == 404
    assert not PiiPolicy.objects.exists()


def test_matrix_needs_sign_in(client):
    response = client.get(reverse("pii-policies"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_django_admin_saves_policies_through_the_service(admin_client):
    response = admin_client.post(
        reverse("admin:compliance_piipolicy_add"),
        {"field": "customer_phone", "audience": "lead", "treatment": "hidden"},
    )
    assert response.status_code == 302, response.content
    row = PiiPolicy.objects.get()
    assert (row.field, row.audience, row.treatment) == ("customer_phone", "lead", "hidden")
    admin_client.post(reverse("admin:compliance_piipolicy_delete", args=[row.pk]), {"post": "yes"})
    assert not PiiPolicy.objects.exists()
    changes = AuditEntry.objects.filter(action=AuditAction.POLICY_CHANGE).order_by("at", "id")
    assert [e.details["after"] for e in changes] == ["hidden", "default"]
