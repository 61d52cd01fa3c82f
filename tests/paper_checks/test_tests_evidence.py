"""Test evidence for real: the checker runs pytest on node ids in a scratch checkout and reads the junit XML."""
from paper_checks.tests_evidence import FAILED, PASSED, SKIPPED, outcomes_for, read_junit, residuals_for, run_pytest


def test_run_pytest_and_read_junit(tmp_path):
    (tmp_path / "tests/demo").mkdir(parents=True)
    (tmp_path / "tests/demo/test_claims.py").write_text(
        "import pytest\n"
        "@pytest.mark.parametrize('x', [1, 2])\n"
        "def test_holds(x):\n    assert x > 0\n"
        "def test_refuted():\n    assert 1 == 2\n"
        "@pytest.mark.skip(reason='not here')\n"
        "def test_skipped():\n    pass\n"
        "class TestGroup:\n    def test_in_class(self):\n        pass\n"
        "import numpy as np\n"
        "def test_residual():\n"
        "    np.testing.assert_allclose([1.0 + 3e-13, 2.0], [1.0, 2.0], rtol=0, atol=1e-12)\n"
        "    np.testing.assert_allclose(5.0, 5.0 + 1e-14, rtol=1e-9)\n")
    junit = tmp_path / "out/pytest.xml"
    junit.parent.mkdir()
    junit.write_text("stale")  # a stale file must never be read as the new result
    rc = run_pytest(["tests/demo/test_claims.py::test_holds", "tests/demo/test_claims.py::test_refuted",
                     "tests/demo/test_claims.py::test_skipped", "tests/demo/test_claims.py::TestGroup",
                     "tests/demo/test_claims.py::test_residual"], junit, tmp_path)
    assert rc == 1  # one test fails
    res = read_junit(junit, tmp_path)
    assert outcomes_for("tests/demo/test_claims.py::test_holds", res) == [PASSED, PASSED]
    assert outcomes_for("tests/demo/test_claims.py::test_refuted", res) == [FAILED]
    assert outcomes_for("tests/demo/test_claims.py::test_skipped", res) == [SKIPPED]
    assert outcomes_for("tests/demo/test_claims.py::TestGroup::test_in_class", res) == [PASSED]
    assert outcomes_for("tests/demo/test_claims.py::TestGroup", res) == [PASSED]  # a class node covers its tests
    assert outcomes_for("tests/demo/test_claims.py::test_missing", res) == []
    # the residuals plugin records the worst comparison (largest residual / tolerance) of each test
    (resid, tol), = residuals_for("tests/demo/test_claims.py::test_residual", res).values()
    assert abs(resid - 3e-13) < 1e-15 and tol == 1e-12
    assert residuals_for("tests/demo/test_claims.py::test_holds", res) == {}  # plain asserts record nothing
