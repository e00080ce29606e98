import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_logs_in_and_reaches_the_queue(live_server, page, check_page):
    UserFactory(username="niamh", first_name="Niamh", last_name="Kelly", role="agent", time_zone="Europe/Dublin")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/")
    check_page(page, screenshot="login")

    page.get_by_label("Username").fill("niamh")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(f"{live_server.url}/queue/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Queue · ")
    expect(page.get_by_role("banner")).to_contain_text("Niamh Kelly")
    expect(page.get_by_role("banner")).to_contain_text("Europe/Dublin")


def test_wrong_password_shows_error_and_stays_logged_out(live_server, page, check_page):
    UserFactory(username="niamh", role="agent")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("niamh")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    check_page(page)
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/")


def test_agent_changes_time_zone_from_the_header(live_server, page, check_page):
    UserFactory(username="niamh", role="agent", time_zone="Europe/Dublin")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("niamh")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Time zone: Europe/Dublin").click()
    check_page(page)
    page.get_by_label("Show times in").select_option("Asia/Manila")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text("Saved. Times are now shown in Asia/Manila")
    expect(page.get_by_role("banner")).to_contain_text("Asia/Manila")
