"""/simulations/: admins start runs (audited) and read reports; everyone else finds nothing there."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import expect

from compliance.models import AuditAction, AuditEntry
from helpdesk.models import SimulationRun
from helpdesk.simulator.scenario import scenario_load, scenario_read
from tests.factories import PASSWORD, UserFactory
from tests.workers import worker_start, worker_stop

from .conftest import small_text

URL = reverse("simulations")


@pytest.fixture
def admin(client):
    user = UserFactory(username="root", role="admin")
    client.force_login(user)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["lead", "agent", "integration"])
def test_outsiders_get_404(client, role):
    run = SimulationRun.objects.create(
        scenario_name="x", scenario={}, seed=1, days=1, created_at="2026-03-02T00:00Z", report=None
    )
    client.force_login(UserFactory(username=f"not-admin-{role}", role=role))
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"builtin": "three-silos", "days": 1, "seed": 1}).status_code == 404
    assert client.get(reverse("simulation", args=[run.pk])).status_code == 404
    assert client.get(reverse("simulation-compare"), {"run": [run.pk, run.pk]}).status_code == 404
    assert SimulationRun.objects.count() == 1


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"scenario_file": ("bad.yaml", b"name: [unclosed")}, "the file is not valid YAML or JSON"),
        (
            {
                "scenario_file": (
                    "bad.yaml",
                    small_text("three-silos").replace("tickets_per_day: 24", "tickets_per_day: -5").encode(),
                )
            },
            "arrivals.tickets_per_day: give a number between 1 and 100000, not -5",
        ),
        ({"scenario_file": ("bad.bin", b"\xff\xfe\x00")}, "not UTF-8 text"),
        ({}, "Pick a built-in scenario or upload a file"),
        ({"builtin": "three-silos", "scenario_file": ("s.yaml", small_text("three-silos").encode())}, "one of the two"),
    ],
)
def test_a_bad_scenario_is_a_form_error_and_starts_nothing(client, admin, data, error):
    if "scenario_file" in data:
        name, content = data["scenario_file"]
        data = {**data, "scenario_file": SimpleUploadedFile(name, content)}
    response = client.post(URL, {"days": 2, "seed": 1, **data})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="field-error"' in body and error.replace("'", "&#x27;") in body
    assert not SimulationRun.objects.exists()


@pytest.mark.django_db
def test_starting_a_run_queues_it_and_is_audited(client, admin, django_capture_on_commit_callbacks, monkeypatch):
    # given the task is not sent anywhere (its message is recorded instead)
    sent = []
    monkeypatch.setattr("helpdesk.tasks.simulation_run_task.apply_async", lambda **kw: sent.append(kw))

    # when the admin starts the silo scenario for 3 days
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"builtin": "three-silos", "days": 3, "seed": 42})

    # then a queued run holds the validated scenario, the task is sent after commit, and the audit log says who
    run = SimulationRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("simulation", args=[run.pk])
    assert (run.scenario_name, run.days, run.seed, run.status) == ("three-silos", 3, 42, "queued")
    assert run.scenario == scenario_load(scenario_read("three-silos")) and run.started_by == admin
    assert sent == [{"args": [run.pk], "queue": "default"}]
    entry = AuditEntry.objects.get(action=AuditAction.ADMIN_ACTION)
    assert entry.actor == admin and entry.summary == f"Simulation {run.pk} started: three-silos, 3 days, seed 42"


@pytest.mark.django_db
def test_a_finished_run_shows_its_report_with_charts(client, admin, small_run):
    # given a finished run
    report = small_run("three-silos")
    run = SimulationRun.objects.create(
        scenario_name="three-silos", scenario={}, seed=1, days=3, status="finished", progress=100,
        report=report, created_at="2026-03-02T00:00Z", started_by=admin,
    )  # fmt: skip

    # when the admin opens it, then the figures and charts are there
    body = client.get(reverse("simulation", args=[run.pk])).content.decode()
    assert "Finished" in body and "<svg" in body
    assert f"{report['cold_queue']['hours_total']} h in total" in body
    assert "Agent occupancy per hour vs Erlang C" in body
    # and it is listed
    assert reverse("simulation", args=[run.pk]) in client.get(URL).content.decode()
    # and the live status asks htmx to reload the page now that it is done
    assert client.get(reverse("simulation", args=[run.pk]), HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"


def finished(report, admin, seed=1):
    return SimulationRun.objects.create(
        scenario_name=report["scenario"]["name"], scenario={}, seed=seed, days=report["scenario"]["days"],
        status="finished", progress=100, report=report, created_at="2026-03-02T00:00Z", started_by=admin,
    )  # fmt: skip


@pytest.mark.django_db
def test_finished_runs_are_compared_side_by_side(client, admin, small_run):
    # given the silos and follow-the-sun, run on the same traffic
    silos, warm = finished(small_run("three-silos"), admin), finished(small_run("follow-the-sun"), admin)

    # when the admin ticks both on the list and compares them
    listing = client.get(URL).content.decode()
    assert f'name="run" value="{silos.pk}"' in listing and f'name="run" value="{warm.pk}"' in listing
    response = client.get(reverse("simulation-compare"), {"run": [silos.pk, warm.pk]})

    # then one column per run, in the order picked, with each run's cold-queue hours in the table and the chart
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index(f"three-silos · #{silos.pk}") < body.index(f"follow-the-sun · #{warm.pk}")
    cold = [r.report["cold_queue"]["hours_total"] for r in (silos, warm)]
    assert cold[0] > cold[1]  # the design under test: the warm handoff leaves fewer hours cold
    row = body[body.index("Cold-queue hours, total") :].split("</tr>")[0]
    assert [f'<td class="num">{c}</td>' in row for c in cold] == [True, True]
    assert "Cold-queue hours of each scenario" in body and f"{cold[0]:g} h" in body
    assert "differ in seed" not in body
    # and runs on other traffic are compared too, with a warning
    other = finished(small_run("three-silos", seed=2), admin, seed=2)
    assert "differ in seed" in client.get(reverse("simulation-compare"), {"run": [silos.pk, other.pk]}).content.decode()


@pytest.mark.django_db
def test_a_comparison_needs_two_to_four_finished_runs(client, admin, small_run):
    done = [finished(small_run("three-silos"), admin) for _ in range(5)]
    queued = SimulationRun.objects.create(
        scenario_name="q", scenario={}, seed=1, days=1, created_at="2026-03-02T00:00Z"
    )
    compare = reverse("simulation-compare")
    for ids, error in [
        ([done[0].pk], "Pick two to 4 finished runs to compare; 1 picked."),
        ([r.pk for r in done], "Pick two to 4 finished runs to compare; 5 picked."),
        ([done[0].pk, queued.pk], f"Only finished runs have reports to compare; run {queued.pk} is queued."),
    ]:
        response = client.get(compare, {"run": ids})
        assert response.status_code == 400 and error in response.content.decode()
    assert client.get(compare, {"run": [done[0].pk, 999999]}).status_code == 404
    assert client.get(compare, {"run": [done[0].pk, "x"]}).status_code == 404


@pytest.fixture
def worker_queue(settings):
    """A real `celery -A helpdesk worker` on a queue of its own, which the app's simulations are sent to."""
    process, queue = worker_start("test-sim")
    settings.SIMULATION_QUEUE = queue
    yield queue
    worker_stop(process)


@pytest.mark.browser
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_admin_runs_a_simulation_in_the_browser(live_server, page, check_page, worker_queue, tmp_path, small_run):
    # given an admin signed in, and a real worker for the simulation queue
    UserFactory(username="root", role="admin", time_zone="Europe/Dublin")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # when they open Simulations from the menu, with no run yet
    page.goto(f"{live_server.url}{reverse('audit-log')}")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Simulations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Simulations")
    expect(page.get_by_text("No simulations yet")).to_be_visible()
    check_page(page)

    # and upload a broken file, then the form says what is wrong
    broken = tmp_path / "broken.yaml"
    broken.write_text(small_text("follow-the-sun").replace("tier: 1", "tier: 9"))
    page.get_by_label("Or a scenario file").set_input_files(str(broken))
    page.get_by_role("button", name="Start the simulation").click()
    expect(page.locator(".field-error")).to_contain_text("The scenario cannot run:")
    check_page(page)

    # when they upload a good one for one day and start it
    good = tmp_path / "small.yaml"
    good.write_text(small_text("follow-the-sun"))
    page.get_by_label("Or a scenario file").set_input_files(str(good))
    page.get_by_label("Simulated days").fill("1")
    page.get_by_role("button", name="Start the simulation").click()

    # then the worker runs it, the page follows its progress and shows the report when done
    expect(page.get_by_role("heading", level=1)).to_have_text("Simulation: follow-the-sun")
    expect(page.get_by_role("heading", name="Cold queue")).to_be_visible(timeout=180_000)
    run = SimulationRun.objects.get()
    assert run.status == "finished" and run.progress == 100 and run.report["tickets"]["created"] > 0
    expect(page.get_by_role("img", name="Agents on shift, busy, and needed by Erlang C, per UTC hour")).to_be_visible()
    check_page(page, screenshot="simulation-report")

    # and the list shows it as finished
    page.get_by_role("link", name="All simulations").click()
    expect(page.get_by_role("row", name="follow-the-sun")).to_contain_text("Finished")

    # when the silos and follow-the-sun have been run on the same traffic, and the admin ticks both and compares
    silos, warm = finished(small_run("three-silos"), None), finished(small_run("follow-the-sun"), None)
    page.reload()
    page.get_by_label(f"Compare three-silos · #{silos.pk}").check()
    page.get_by_label(f"Compare follow-the-sun · #{warm.pk}").check()
    page.get_by_role("button", name="Compare the ticked runs").click()

    # then both stand side by side, with the cold-queue chart
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare simulations")
    cold = page.get_by_role("row", name="Cold-queue hours, total")
    expect(cold).to_contain_text(str(silos.report["cold_queue"]["hours_total"]))
    expect(cold).to_contain_text(str(warm.report["cold_queue"]["hours_total"]))
    expect(page.get_by_role("img", name="Cold-queue hours of each scenario")).to_be_visible()
    check_page(page, screenshot="simulation-compare")
