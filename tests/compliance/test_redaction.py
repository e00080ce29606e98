"""Redaction at intake: card numbers (Luhn), IBANs (mod 97) and admin patterns never reach the database."""

import logging

import pytest
from django.core.exceptions import ValidationError

from compliance.models import AuditEntry, RedactionPattern
from compliance.redaction import findings_summary, redact, redact_filename
from regions.models import AgentLanguage
from tests.factories import AgentFactory, CustomerFactory, TeamFactory, UserFactory, shift_pattern, ticket
from tickets.models import EventKind, Notification, Ticket, TicketEvent
from tickets.services import ticket_customer_message

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("written", "last4"),
    [
        ("4111 1111 1111 1111", "1111"),
        ("4111-1111-1111-1111", "1111"),
        ("4111111111111111", "1111"),
        ("5555 5555 5555 4444", "4444"),
        ("3782 822463 10005", "0005"),  # Amex, 15 digits in 4-6-5 groups
        ("4222222222222", "2222"),  # 13 digits
        ("6011 0000 0000 0000 001", "0001"),  # 19 digits
        ("4000\u00a00566\u00a05566\u00a05556", "5556"),  # no-break spaces, as mail clients paste them
    ],
)
def test_luhn_valid_card_numbers_are_replaced_in_every_format(written, last4):
    # when a message carries a valid card number
    clean, findings = redact(f"Please charge my card {written} today.")
    # then only the last four digits are left, and the findings hold a count, not the number
    assert clean == f"Please charge my card [card ending {last4}] today."
    assert findings == [("card", 1)]
    assert written not in str(findings)


@pytest.mark.parametrize(
    "text",
    [
        "Order 1234567890123 has not arrived",  # 13 digits, fails Luhn: an order number
        "Card 4111 1111 1111 1112 was declined",  # one digit off
        "Tracking 98765432101234567890123 is stuck",  # 23 digits: too long for a card
        "Invoice 2024-01-05 for 49.99, call +353 1 234 5678",
    ],
)
def test_luhn_failing_digit_runs_are_left_alone(text):
    assert redact(text) == (text, [])


def test_card_next_to_other_numbers_is_found_on_its_own():
    clean, findings = redact("order 12345 4111 1111 1111 1111 2025")
    assert (clean, findings) == ("order 12345 [card ending 1111] 2025", [("card", 1)])


@pytest.mark.parametrize(
    ("written", "last4"),
    [
        ("DE89 3704 0044 0532 0130 00", "3000"),
        ("DE89370400440532013000", "3000"),
        ("GB82 WEST 1234 5698 7654 32", "5432"),
        ("nl91abna0417164300", "4300"),
        ("FR14 2004 1010 0505 0001 3M02 606", "2606"),
    ],
)
def test_valid_ibans_are_replaced(written, last4):
    clean, findings = redact(f"Refund to {written} please, thanks")
    assert clean == f"Refund to [IBAN ending {last4}] please, thanks"
    assert findings == [("iban", 1)]


@pytest.mark.parametrize(
    "text", ["IBAN GB82WEST12345698765433 bounced", "see DE89370400440532013001", "AB12 and so on"]
)
def test_ibans_failing_mod_97_are_left_alone(text):
    assert redact(text) == (text, [])


def test_admin_pattern_is_applied_with_its_replacement_taken_literally():
    # given an active pattern whose replacement looks like a group reference, and an inactive one
    RedactionPattern.objects.create(name="API token", regex=r"sk_live_([A-Za-z0-9]+)", replacement=r"[token \1]")
    RedactionPattern.objects.create(name="Order", regex=r"ORD-\d+", replacement="[order]", active=False)
    # when text holds both
    clean, findings = redact("keys sk_live_abc123 and sk_live_XYZ for ORD-42")
    # then only the active one is replaced, and the original never comes back through \1
    assert clean == r"keys [token \1] and [token \1] for ORD-42"
    assert findings == [("API token", 2)]


@pytest.mark.parametrize(
    ("regex", "message"), [("(unclosed", "not a valid regular expression"), ("x*", "matches empty text")]
)
def test_invalid_pattern_is_refused_by_clean(regex, message):
    pattern = RedactionPattern(name="Bad", regex=regex, replacement="[x]")
    with pytest.raises(ValidationError, match=message):
        pattern.full_clean()


def test_findings_summary_says_counts_only():
    assert findings_summary([("card", 1), ("iban", 2), ("API token", 3)]) == "1 card number, 2 IBANs, 3 × API token"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("card_4111_1111_1111_1111.pdf", "card_[card ending 1111].pdf"),
        ("statement 4111111111111111.png", "statement [card ending 1111].png"),
        ("iban_DE89370400440532013000.final.pdf", "iban_[IBAN ending 3000].final.pdf"),
        ("order_1234567890123.pdf", "order_1234567890123.pdf"),
    ],
)
def test_attachment_file_names_are_redacted_by_the_same_rules(name, expected):
    clean, findings = redact_filename(name)
    assert clean == expected
    assert bool(findings) == (clean != name)


CARD = "4111 1111 1111 1111"
IBAN = "DE89 3704 0044 0532 0130 00"


def _everything_stored():
    """Every text column a ticket's intake writes, as one string."""
    parts = []
    for model, fields in (
        (Ticket, ["subject", "next_action"]),
        (TicketEvent, ["body", "summary", "data"]),
        (Notification, ["text"]),
        (AuditEntry, ["summary", "details"]),
    ):
        for row in model.objects.values_list(*fields):
            parts.extend(str(value) for value in row)
    return "\n".join(parts)


def test_ticket_create_stores_no_original_and_says_what_was_redacted(caplog):
    # given a customer who puts a card number in the subject and a card and an IBAN in the body
    caplog.set_level(logging.DEBUG)
    customer = CustomerFactory()
    # when the ticket is created
    t = ticket(
        customer=customer,
        subject=f"Refund to card {CARD}",
        body=f"Card 5555-5555-5555-4444 was charged twice; refund to {IBAN} or {CARD}.",
    )
    # then the stored subject and message carry only the last digits
    t.refresh_from_db()
    assert t.subject == "Refund to card [card ending 1111]"
    message = t.events.get(kind=EventKind.CUSTOMER_MESSAGE)
    assert message.body == (
        "Card [card ending 4444] was charged twice; refund to [IBAN ending 3000] or [card ending 1111]."
    )
    # and no row and no log line holds any of the numbers, in any format
    stored = _everything_stored() + "\n".join(r.getMessage() for r in caplog.records)
    for original in (CARD, CARD.replace(" ", ""), "5555-5555-5555-4444", "5555555555554444", IBAN, "0532 0130"):
        assert original not in stored
    # and the timeline says a redaction happened, with counts only
    redaction = t.events.get(kind=EventKind.REDACTION)
    assert redaction.summary == "Redacted at intake: 3 card numbers, 1 IBAN"
    assert redaction.data == {"counts": {"card": 3, "iban": 1}}
    assert redaction.body == ""


def test_customer_message_is_redacted_before_storage():
    # given a ticket without anything to redact
    t = ticket(body="Hello")
    assert not t.events.filter(kind=EventKind.REDACTION).exists()
    # when the customer writes their IBAN
    ticket_customer_message(ticket=t, body=f"My IBAN is {IBAN}, my order 1234567890123")
    # then it is replaced (the order number stays) and the timeline says so
    last = t.events.filter(kind=EventKind.CUSTOMER_MESSAGE).last()
    assert last.body == "My IBAN is [IBAN ending 3000], my order 1234567890123"
    assert list(t.events.filter(kind=EventKind.REDACTION).values_list("summary", flat=True)) == [
        "Redacted at intake: 1 IBAN"
    ]
    assert IBAN not in _everything_stored()


def test_admin_pattern_applies_at_intake():
    RedactionPattern.objects.create(name="password", regex=r"(?i)password:\s*\S+", replacement="password: [redacted]")
    t = ticket(body="My password: hunter2 does not work")
    assert t.events.get(kind=EventKind.CUSTOMER_MESSAGE).body == "My password: [redacted] does not work"
    assert t.events.get(kind=EventKind.REDACTION).summary == "Redacted at intake: 1 × password"
    assert "hunter2" not in _everything_stored()


def test_notification_of_routed_ticket_quotes_the_redacted_subject():
    # given an agent on shift who will be assigned the ticket
    team = TeamFactory(code="t1-red", tier=1)
    shift_pattern(team, "00:00-00:00")
    agent = AgentFactory(team=team, user=UserFactory(username="ann", role="agent"), presence="available")
    AgentLanguage.objects.create(agent=agent, language="en", proficiency="C2")
    # when a ticket arrives with a card number in its subject
    t = ticket(subject=f"Card {CARD}")
    # then the assignee's notification quotes the redacted subject
    assert t.assignee == agent.user
    texts = list(Notification.objects.filter(ticket=t).values_list("text", flat=True))
    assert texts and all("[card ending 1111]" in text and CARD not in text for text in texts)


def test_admin_refuses_a_broken_pattern_and_audits_a_good_one(client):
    admin = UserFactory(username="root", role="admin")
    client.force_login(admin)
    url = "/admin/compliance/redactionpattern/add/"
    # a broken expression is refused by the form
    response = client.post(url, {"name": "Bad", "regex": "(oops", "replacement": "[x]", "active": "on"})
    assert response.status_code == 200 and "not a valid regular expression" in response.content.decode()
    assert not RedactionPattern.objects.exists()
    # a good one is saved and the change audited
    response = client.post(url, {"name": "Token", "regex": r"tok_\w+", "replacement": "[token]", "active": "on"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(object_type="compliance.redactionpattern")
    assert entry.summary == "Redaction pattern added: Token"
    assert entry.details == {"after": {"name": "Token", "regex": r"tok_\w+", "replacement": "[token]", "active": True}}
