"""The soak of ``tools/soak.py``, about 20 seconds of it (16 of traffic,
``SOAK_SECONDS`` to change), over every server kind at once: mixed valid, hostile, slow and
aborted traffic, then RSS, file descriptors, threads, asyncio tasks, the
sent file's descriptors and the streamed generators against the baseline
taken after a warm-up. ``make soak`` runs the same for longer and prints
the table.

The soak runs once for the module (every kind in parallel, so the whole
costs about the time of one); each kind's test then checks its report.
"""
import os
import sys
import warnings
from pathlib import Path

import pytest

from conftest import _selected_kinds

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'tools'))
import soak  # noqa: E402

SECONDS = float(os.environ.get('SOAK_SECONDS') or 16)

@pytest.fixture(scope='module')
def reports(tmp_path_factory):
    kinds, skipped = soak.available(_selected_kinds())
    for name, reason in skipped:
        warnings.warn(reason)
    found = soak.soak_all(kinds, SECONDS, str(tmp_path_factory.mktemp(
        'soak')))
    print('\n' + soak.table(found))
    return {report['kind']: report for report in found}


def report_of(reports, kind):
    if kind not in reports:
        pytest.skip('%s cannot run here (see the warnings)' % kind)
    return reports[kind]


def describe(report):
    lines = ['%s: %s' % (report['kind'], problem)
             for problem in report['problems']]
    for name in ('baseline', 'end'):
        lines.append('%s: %s' % (name, report.get(name)))
    return '\n'.join(lines)


@pytest.mark.timeout(SECONDS * 3 + 60)
@pytest.mark.parametrize('kind', [spec.name for spec in _selected_kinds()])
def test_soak(reports, kind):
    report = report_of(reports, kind)
    assert not report['problems'], describe(report)
