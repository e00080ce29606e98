"""Agents download a customer's files from the ticket: in scope only, never as a page, refused to vendor Tier 1."""

import pytest

from compliance.models import AuditAction, AuditEntry
from tests.channels.conftest import raw_mail
from tests.factories import AgentFactory, TeamFactory, VendorFactory
from tickets.channels.email_in import mail_receive
from tickets.models import Attachment

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_file(desk):
    _, t = mail_receive(raw=raw_mail("attachment.eml"), source="test")
    return t, Attachment.objects.get(ticket=t)


def url(t, attachment):
    return f"/tickets/{t.pk}/attachments/{attachment.pk}/"


def test_an_agent_in_scope_downloads_it_and_it_is_audited(client, desk, sent_file):
    # given
    t, attachment = sent_file
    client.force_login(desk["agent"])

    # when
    page = client.get(f"/tickets/{t.pk}/")
    response = client.get(url(t, attachment))

    # then the ticket page links it, it comes as a download with its bytes, and the audit log says who took it
    assert url(t, attachment) in page.content.decode()
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == attachment.file.open("rb").read()
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.actor_id == desk["agent"].pk and attachment.name in entry.summary


def test_outsiders_and_vendor_tier1_get_404(client, desk, sent_file):
    # given an agent of another tier, a vendor Tier 1 agent of the very team, and another ticket's id
    t, attachment = sent_file
    other_tier = AgentFactory(team=TeamFactory(code="t2-mex", tier=2, region=desk["team"].region)).user
    bpo_team = TeamFactory(
        code="t1-bpo", tier=1, region=desk["team"].region, vendor=VendorFactory(name="BPO", kind="bpo")
    )
    vendor_agent = AgentFactory(team=bpo_team).user

    # when / then
    for user in (other_tier, vendor_agent):
        client.force_login(user)
        assert client.get(url(t, attachment)).status_code == 404
    client.force_login(desk["agent"])
    assert client.get(f"/tickets/{t.pk + 1000}/attachments/{attachment.pk}/").status_code == 404
    client.logout()
    assert client.get(url(t, attachment)).status_code == 302
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()
