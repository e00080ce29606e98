"""The one skip in tests/ (conftest.pytest_runtest_setup): a missing service skips on a laptop and fails under CI."""

import pytest

from tests import conftest


class Item:
    """The part of a pytest item the guard reads: its markers."""

    def __init__(self, *markers):
        self.markers = markers

    def get_closest_marker(self, name):
        return name if name in self.markers else None


@pytest.fixture
def no_chromium(monkeypatch):
    monkeypatch.setattr(conftest.shutil, "which", lambda name: None)


@pytest.mark.parametrize("value", ["true", "1", "yes", "TRUE", " True "])
def test_under_ci_a_missing_service_fails_the_test(no_chromium, monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="CI is set and a required service is missing"):
        conftest.pytest_runtest_setup(Item("browser"))


def test_without_ci_a_missing_service_skips_the_test(no_chromium, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="needs browser"):
        conftest.pytest_runtest_setup(Item("browser"))


def test_a_test_without_a_service_marker_is_never_skipped(no_chromium, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert conftest.pytest_runtest_setup(Item()) is None
