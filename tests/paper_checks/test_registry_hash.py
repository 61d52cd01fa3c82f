"""The preregistration guard (paper_checks.registry.registry_hash, paper_checks/claims/REGISTERED): the
registry's decision fields are the registered ones, a threshold change changes the hash, prose does not,
and the decisive tier's confirmatory seeds are not its design seeds."""
import copy

from lop.config import resolve_config
from paper_checks import registry
from paper_checks.__main__ import main


def test_the_registry_is_the_registered_one():
    """Fails when a threshold, direction, comparator, filter or gate changed without `python -m paper_checks
    register` in the same commit."""
    assert registry.registry_hash(registry.load()) == registry.registered_hash(), (
        "a decision field of paper_checks/claims/*.yaml changed: run `python -m paper_checks register` and "
        "commit REGISTERED with the change")


def test_a_threshold_changes_the_hash_and_prose_does_not():
    claims = registry.load()
    h = registry.registry_hash(claims)
    moved = copy.deepcopy(claims)
    data = next(c for c in moved if any("min_change" in chk for chk in c.checks))
    chk = next(chk for chk in data.checks if "min_change" in chk)
    chk["min_change"] = float(chk["min_change"]) + 0.01
    assert registry.registry_hash(moved) != h
    flipped = copy.deepcopy(claims)
    chk = next(chk for c in flipped for chk in c.checks if chk.get("direction") == "up")
    chk["direction"] = "down"
    assert registry.registry_hash(flipped) != h
    reworded = copy.deepcopy(claims)
    reworded[0].claim, reworded[0].rationale = "other words", "another rationale"
    assert registry.registry_hash(reworded) == h


def test_register_writes_the_hash_and_keeps_the_notes(tmp_path):
    folder = tmp_path / "claims"
    folder.mkdir()
    for f in registry.CLAIMS_DIR.glob("*.yaml"):
        (folder / f.name).write_text(f.read_text())
    (folder / "REGISTERED").write_text("0" * 64 + "\n# design_seeds decisive: 0 1 2 3 4\n")
    assert main(["register", "--claims", str(folder)]) == 0
    assert registry.registered_hash(folder / "REGISTERED") == registry.registry_hash(registry.load(folder))
    assert registry.design_seeds(folder / "REGISTERED") == {"decisive": [0, 1, 2, 3, 4]}


def test_the_decisive_tier_is_confirmatory():
    """No seed that designed the decisive tier decides it."""
    design = set(registry.design_seeds()["decisive"])
    cfg = resolve_config(preset="decisive")
    for family in ("continual", "cloning", "bitflip"):
        seeds = set(cfg[family]["seeds"])
        assert len(seeds) >= 5 and not seeds & design, family
