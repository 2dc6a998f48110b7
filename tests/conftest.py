"""Shared fixtures; the conformance table is printed at the end of the run."""
from __future__ import annotations

import pytest

REPORTS: list[str] = []


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    for report in REPORTS:
        terminalreporter.write_line(report)


@pytest.fixture
def report():
    """Add a block of text to the end-of-run summary."""
    return REPORTS.append
