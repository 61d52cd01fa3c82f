"""The figure registry (lop.figures) is the one list of figures; code hashes follow the real imports;
the library has no import cycle and no oversized module. Runtime: ~5 s."""
import pytest

from lop.config import resolve_config
from lop.figures import FAMILIES, FIGURES, NAMES, figure
from lop.jobs import STEP_COST, job_priority, job_templates
from lop.provenance import REPO_ROOT, _imported_modules, _module_file, code_hash, import_closure


def test_registry_holds_the_18_figures_of_v1_and_every_script():
    assert len(NAMES) == 18 and NAMES[:4] == ("fig2_1", "fig3_1", "fig3_2", "fig4_1")
    assert set(NAMES) == {p.stem for p in (REPO_ROOT / "workflow/figures").glob("fig*.py")}
    for f in FIGURES.values():
        assert (REPO_ROOT / f.script).is_file() and f.family in FAMILIES
        for path in f.code_files():
            assert (REPO_ROOT / path).is_file(), f"{f.name}: {path}"
    with pytest.raises(ValueError, match="no figure 'fig9_9'"):
        figure("fig9_9")


@pytest.mark.parametrize("preset", ["small", "paper"])
def test_every_figure_reads_runs_and_shared_runs_are_listed_once(preset):
    cfg = resolve_config(preset=preset)
    for f in FIGURES.values():
        runs = f.runs(cfg)
        assert runs and len(runs) == len(set(runs)), f.name
        assert all(r.startswith(f.family + "/") for r in runs), f.name
    assert FIGURES["fig3_1"].runs(cfg) == FIGURES["figB_4"].runs(cfg)  # both read the `none` runs


def test_run_settings_hold_only_what_a_run_reads():
    cfg = resolve_config(preset="small")
    s = FAMILIES["continual"].run_settings(cfg, "vit")
    # models: this arch's sizes and the keys all archs share (init), never another arch's sizes
    assert s["continual"]["lr"] == {"vit": cfg["continual"]["lr"]["vit"]} and set(s["models"]) == {"vit", "init"}
    assert s["models"]["init"] == cfg["models"]["init"]
    assert not {"seeds", "archs", "job_group", "dropout", "methods"} & set(s["continual"])
    assert s["divergence"] == cfg["divergence"]
    assert s["performance"] == cfg["performance"] and s["device"] == cfg["device"]
    c = FAMILIES["cloning"].run_settings(cfg, "mlp")
    assert c["cloning"]["norm"] == {"mlp": "batch"} and "noisy_sgd" not in c["cloning"]


@pytest.mark.parametrize("group, rules, per_job", [("run", 1, 1), ("cell", 1, 2), ("arch", 4, None)])
def test_job_groups(group, rules, per_job):
    cfg = resolve_config(preset="small")
    cfg["continual"]["job_group"] = group
    jobs = job_templates("continual", cfg)
    assert len(jobs) == rules and len({j.name for j in jobs}) == rules
    if per_job:
        assert all(len(j.cells) == per_job for j in jobs)
    else:  # one job per arch trains the union of every continual figure's runs of that arch
        runs = {r for f in FIGURES.values() if f.family == "continual" for r in f.runs(cfg)}
        assert sorted(d for j in jobs for d in j.run_dirs("continual")) == sorted(runs)


def test_longest_jobs_first():
    """A cell job's priority is its cost: runs x steps x the arch's step cost; the whole-arch job of the same
    arch costs the sum of its cells."""
    cfg = resolve_config(preset="cpu")
    (cell,) = job_templates("continual", cfg)
    cost = {a: job_priority("continual", cell, cfg)({"arch": a, "variant": "none"}) for a in STEP_COST}
    assert cost["mlp"] < cost["cnn"] < cost["resnet"] < cost["vit"]
    assert cost["mlp"] == 5 * 20 * 200 * STEP_COST["mlp"]
    assert cost["resnet"] * STEP_COST["mlp"] == STEP_COST["resnet"] * cost["mlp"]
    cfg["continual"]["job_group"] = "arch"
    jobs = {j.name: j for j in job_templates("continual", cfg)}
    whole = job_priority("continual", jobs["continual_run_mlp"], cfg)({})
    assert whole == len(jobs["continual_run_mlp"].cells) * 20 * 200 * STEP_COST["mlp"] > cost["mlp"]
    (clo,) = job_templates("cloning", cfg)
    c = cfg["cloning"]
    assert job_priority("cloning", clo, cfg)({"arch": "vit", "variant": "sgd"}) == \
        len(c["seeds"]) * STEP_COST["vit"] * (c["stage1_steps"] + 2 * c["stage2_steps"])


def test_code_hash_follows_imports(tmp_path):
    (tmp_path / "lop").mkdir()
    (tmp_path / "lop/__init__.py").write_text("")
    (tmp_path / "lop/a.py").write_text("from .b import f\n")
    (tmp_path / "lop/b.py").write_text("def f():\n    return 1\n")
    (tmp_path / "lop/c.py").write_text("X = 1\n")
    (tmp_path / "script.py").write_text("import lop.a\n")
    assert import_closure("script.py", root=tmp_path) == ["lop/__init__.py", "lop/a.py", "lop/b.py", "script.py"]
    before = code_hash("script.py", root=tmp_path)
    (tmp_path / "lop/c.py").write_text("X = 2\n")  # not imported: no change
    assert code_hash("script.py", root=tmp_path) == before
    (tmp_path / "lop/b.py").write_text("def f():\n    from . import c  # a new, function-level import\n    return 1\n")
    assert "lop/c.py" in import_closure("script.py", root=tmp_path)
    assert code_hash("script.py", root=tmp_path) != before


def test_rule_hashes_cover_the_modules_a_figure_imports():
    assert "lop/plots/cloning.py" in import_closure(FIGURES["fig2_1"].script)
    assert "lop/plots/cloning.py" not in import_closure(FIGURES["fig3_1"].script)
    train = import_closure("workflow/scripts/train_continual.py")
    assert "lop/metrics.py" in train and not any(p.startswith("lop/theory") for p in train)


def _modules():
    return sorted(p for pkg in ("lop", "paper_checks") for p in (REPO_ROOT / pkg).rglob("*.py"))


def test_no_import_cycle_among_the_projects_modules():
    """Module-level and function-level imports alike (a lazy import that closes a cycle is still one)."""
    graph = {}
    for p in _modules():
        deps = set()
        for name in _imported_modules(p):
            f = _module_file(name)
            if f is not None and f != p and f.name != "__init__.py":
                deps.add(f)
        graph[p] = deps
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for d in graph.get(node, ()):
            if state.get(d) == "open":
                cycle = stack[stack.index(d):] + [d]
                raise AssertionError("import cycle: " + " -> ".join(str(c.relative_to(REPO_ROOT)) for c in cycle))
            if d not in state:
                visit(d, stack + [d])
        state[node] = "done"

    for n in graph:
        if n not in state:
            visit(n, [n])


def test_no_module_over_400_lines():
    long = {str(p.relative_to(REPO_ROOT)): n for p in _modules() if (n := len(p.read_text().splitlines())) > 400}
    assert not long, long


def test_module_file_maps_names_to_repo_files():
    assert _module_file("lop.metrics") == REPO_ROOT / "lop/metrics.py"
    assert _module_file("lop.theory") == REPO_ROOT / "lop/theory/__init__.py"
    assert _module_file("torch.nn") is None and _module_file("lop.nothing_here") is None
