"""In Chromium, with the Content Security Policy enforced, the pages people use report no violation."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, AgentFactory, TeamFactory, UserFactory, shift_pattern

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script; the browser fires this event for every blocked inline script, style or source.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


@pytest.fixture
def violations(page):
    console = []
    page.on("console", lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.add_init_script(RECORD_VIOLATIONS)

    def check():
        page.wait_for_load_state("networkidle")
        reported = console + page.evaluate("window.__cspViolations || []")
        console.clear()
        assert reported == [], f"CSP violations on {page.url}: {reported}"

    return check


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_login_admin_api_and_two_factor_pages_have_no_csp_violation(live_server, page, violations):
    UserFactory(username="root", first_name="Ro", last_name="Ot", role="admin")
    # the login page, with the policy in force
    response = page.goto(f"{live_server.url}/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", name="Log in to Meridian")).to_be_visible()
    violations()

    # the Django admin index, as an admin
    log_in(page, live_server, "root")
    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    violations()

    # the API docs: Swagger UI renders the schema with its relaxed style policy and no inline script
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Meridian API")
    expect(page.locator(".opblock").first).to_be_visible()
    violations()

    # DRF's browsable API
    page.goto(f"{live_server.url}/api/v1/")
    expect(page.get_by_role("heading", name="Api Root")).to_be_visible()
    violations()

    # the two-factor setup shows its QR code (a data: image) and the key
    page.goto(f"{live_server.url}/me/two-factor/")
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    qr = page.get_by_role("img", name="QR code holding the setup link below")
    expect(qr).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", qr.element_handle()) > 0
    expect(page.locator("#totp-uri")).to_contain_text("otpauth://totp/Meridian%3Aroot")
    violations()


def test_workspace_pages_with_htmx_have_no_csp_violation(live_server, page, violations):
    team = TeamFactory(code="t1-dub", tier=1)
    shift_pattern(team, "00:00-00:00")
    AgentFactory(user=UserFactory(username="aoife", role="agent"), team=team)
    log_in(page, live_server, "aoife")
    expect(page).to_have_url(f"{live_server.url}/queue/")
    page.wait_for_load_state("load")  # htmx reads its <meta> config when the document is ready
    # htmx is loaded and did not inject its indicator style
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.locator("style").count() == 0
    violations()
    page.goto(f"{live_server.url}/me/preferences/")
    violations()
