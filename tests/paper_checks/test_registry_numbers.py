"""The stated numbers of the registry (kind `number`: config values the paper states) hold for the resolved
presets. In the report these are labels (`configured as stated`), not evidence; here they guard the config:
an edit of a paper value (e.g. the dead-unit threshold) fails this test."""
import pytest

from paper_checks import HOLDS, registry
from paper_checks.checker import Context
from paper_checks.comparators import COMPARATORS

NUMBER_CHECKS = [(c.id, chk) for c in registry.load() if c.kind == "number" for chk in c.checks
                 if chk["comparator"] == "config"]


@pytest.mark.parametrize("cid, check", NUMBER_CHECKS, ids=[cid for cid, _ in NUMBER_CHECKS])
def test_stated_numbers_are_configured(cid, check):
    out = COMPARATORS["config"](Context("paper"), check)
    assert out.verdict == HOLDS, f"{cid}: {out.measured}"


def test_configured_as_stated_reads_the_reports_own_preset():
    """At the small preset the scaled-down numbers read as they are, not as the paper preset's."""
    check = dict(NUMBER_CHECKS)["numbers-continual"]
    out = COMPARATORS["config"](Context("small"), check)
    assert out.verdict != HOLDS and "small:continual.num_tasks" in out.measured
