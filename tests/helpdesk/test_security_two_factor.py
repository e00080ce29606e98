"""Optional TOTP two-factor sign-in for admins and leads: enrol, confirm, log in with a code, turn off."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from compliance.models import AuditAction, AuditEntry
from helpdesk.security import totp_device_get
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
URL = "/me/two-factor/"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def code(device, clock=None):
    """The code the person's authenticator app shows now (a new one every 30 seconds)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def next_code(device, clock):
    """Codes are single-use: the next one comes with the next 30-second step."""
    clock.shift(dt.timedelta(seconds=30))
    return code(device)


def enrol(client, user, clock):
    client.force_login(user)
    client.post(URL, {"action": "start"})
    device = totp_device_get(user, confirmed=False)
    response = client.post(URL, {"action": "confirm", "otp_token": code(device)})
    assert response.status_code == 302, response.content
    client.post(reverse("logout"))
    return totp_device_get(user)


def password_step(client, username, next_url=None):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def test_a_lead_turns_two_factor_on_with_the_key_shown_as_text(client, clock):
    # given a lead without two-factor sign-in
    lead = UserFactory(username="lena", role="lead")
    client.force_login(lead)
    off = client.get(URL)
    assert off.status_code == 200 and b"Set up two-factor sign-in" in off.content
    # when she starts the setup
    assert client.post(URL, {"action": "start"})["Location"] == URL
    page = client.get(URL)
    # then the page shows the key, the otpauth:// link and a QR code image, and nothing is on yet
    device = totp_device_get(lead, confirmed=False)
    html = page.content.decode()
    assert page.context["secret"] in html and len(page.context["secret"]) == 32
    assert "otpauth://totp/Meridian%3Alena?secret=" in html and "issuer=Meridian" in html
    assert 'src="data:image/svg+xml' in html
    assert "no-store" in page["Cache-Control"]
    assert totp_device_get(lead) is None
    # when she confirms with a wrong code, then nothing changes
    wrong = client.post(URL, {"action": "confirm", "otp_token": "000000" if code(device) != "000000" else "111111"})
    assert b"That code is not right" in wrong.content
    assert totp_device_get(lead) is None
    # when she confirms with the code her app shows
    clock.shift(dt.timedelta(seconds=5))  # past django-otp's one-second wait after a wrong code
    done = client.post(URL, {"action": "confirm", "otp_token": code(device)}, follow=True)
    # then two-factor sign-in is on, the key is no longer shown, and the change is audited
    assert b"Two-factor sign-in is on" in done.content
    assert page.context["secret"].encode() not in done.content
    assert totp_device_get(lead) == device
    entry = AuditEntry.objects.get(action=AuditAction.PERMISSION_CHANGE, details__2fa="enabled")
    assert entry.actor == lead and entry.summary == "Two-factor sign-in turned on for lena"


def test_login_asks_for_the_code_after_the_password_and_refuses_without_it(client, clock):
    # given an admin with two-factor sign-in
    admin = UserFactory(username="root", role="admin")
    device = enrol(client, admin, clock)
    # when she enters her password
    response = password_step(client, "root", next_url="/admin/auth/group/")
    # then she is asked for the code and is not signed in yet
    assert response["Location"] == reverse("login-two-factor")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    assert client.get("/api/v1/me/").status_code in (401, 403)
    step = client.get(reverse("login-two-factor"))
    assert b"Enter your code" in step.content
    # when she gives a wrong code
    wrong = client.post(reverse("login-two-factor"), {"otp_token": "12345x"})
    assert b"Enter the 6 digits" in wrong.content
    bad = next_code(device, clock)
    bad = f"{(int(bad) + 1) % 1_000_000:06d}"
    wrong = client.post(reverse("login-two-factor"), {"otp_token": bad})
    # then she is still out, and the failure is audited like a failed login
    assert b"That code is not right" in wrong.content
    assert "_auth_user_id" not in client.session
    failed = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).get()
    assert failed.details == {"username": "root"}
    # when she gives the right code
    clock.shift(dt.timedelta(seconds=5))
    done = client.post(reverse("login-two-factor"), {"otp_token": code(device)})
    # then she is in, where she was going, and the log says the login used two factors
    assert done["Location"] == "/admin/auth/group/"
    assert client.session["_auth_user_id"] == str(admin.pk)
    assert client.get("/admin/").status_code == 200
    entry = AuditEntry.objects.filter(action=AuditAction.LOGIN, details__2fa=True).get()
    assert entry.actor == admin and entry.summary == "root confirmed the login with a two-factor code"


def test_a_used_code_cannot_be_used_again(client, clock):
    admin = UserFactory(username="root", role="admin")
    device = enrol(client, admin, clock)
    used = next_code(device, clock)
    password_step(client, "root")
    assert client.post(reverse("login-two-factor"), {"otp_token": used}).status_code == 302
    client.post(reverse("logout"))
    # the same code, replayed within its 30 seconds
    password_step(client, "root")
    replay = client.post(reverse("login-two-factor"), {"otp_token": used})
    assert b"That code is not right" in replay.content
    assert "_auth_user_id" not in client.session


def test_wrong_codes_are_throttled_and_count_towards_the_lockout(client, clock, settings):
    settings.AXES_FAILURE_LIMIT = 3
    admin = UserFactory(username="root", role="admin")
    device = enrol(client, admin, clock)
    password_step(client, "root")
    wrong = f"{(int(next_code(device, clock)) + 1) % 1_000_000:06d}"
    client.post(reverse("login-two-factor"), {"otp_token": wrong})
    # an immediate second try is refused before the code is even checked
    throttled = client.post(reverse("login-two-factor"), {"otp_token": wrong})
    assert b"Too many wrong codes. Wait" in throttled.content
    # two more wrong codes, after the waits, make three failed logins: the account is locked
    clock.shift(dt.timedelta(seconds=2))
    client.post(reverse("login-two-factor"), {"otp_token": wrong})
    clock.shift(dt.timedelta(seconds=4))
    locked = client.post(reverse("login-two-factor"), {"otp_token": wrong})
    assert locked.status_code == 429 and b"Login locked for now" in locked.content
    # and the right code no longer helps: the pending login is gone
    clock.shift(dt.timedelta(seconds=10))
    after = client.post(reverse("login-two-factor"), {"otp_token": code(device)})
    assert after["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_the_second_step_expires_after_five_minutes(client, clock):
    admin = UserFactory(username="root", role="admin")
    device = enrol(client, admin, clock)
    password_step(client, "root")
    clock.shift(dt.timedelta(minutes=5, seconds=1))
    response = client.post(reverse("login-two-factor"), {"otp_token": code(device)})
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_the_second_step_without_a_password_first_is_refused(client):
    assert client.get(reverse("login-two-factor"))["Location"] == reverse("login")
    assert client.post(reverse("login-two-factor"), {"otp_token": "123456"})["Location"] == reverse("login")


def test_users_without_two_factor_log_in_with_the_password_alone(client):
    UserFactory(username="lena", role="lead")
    response = password_step(client, "lena")
    assert response["Location"] == reverse("home")
    assert "_auth_user_id" in client.session
    assert not AuditEntry.objects.filter(details__2fa=True).exists()


def test_turning_it_off_needs_a_current_code(client, clock):
    lead = UserFactory(username="lena", role="lead")
    device = enrol(client, lead, clock)
    client.force_login(lead)
    assert b"<strong>On.</strong>" in client.get(URL).content
    # a session alone is not enough
    refused = client.post(URL, {"action": "disable", "otp_token": "000000"})
    assert b"That code is not right" in refused.content
    assert TOTPDevice.objects.filter(user=lead).exists()
    # a current code is
    done = client.post(URL, {"action": "disable", "otp_token": next_code(device, clock)}, follow=True)
    assert b"Two-factor sign-in is off" in done.content
    assert not TOTPDevice.objects.filter(user=lead).exists()
    assert AuditEntry.objects.filter(action=AuditAction.PERMISSION_CHANGE, details__2fa="disabled").count() == 1
    # and the next login asks only for the password
    client.post(reverse("logout"))
    assert password_step(client, "lena")["Location"] == reverse("home")


@pytest.mark.parametrize("role", ["agent", "integration", None])
def test_two_factor_page_is_for_admins_and_leads_only(client, role):
    client.force_login(UserFactory(role=role))
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"action": "start"}).status_code == 404
    assert not TOTPDevice.objects.exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
