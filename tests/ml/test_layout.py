"""The shape of `ml/`: packages by domain, imports that run one way between them, a short top level."""

import ast
from pathlib import Path

from tests.paths import ROOT

ML = ROOT / "ml"
# Each package, and what it may import besides itself and the leaves (ml.errors, ml.cpu)
ALLOWED = {
    "data": set(),
    "artifacts": {"data"},
    "models": {"data", "artifacts"},
    "serving": {"data", "artifacts", "models"},
    "evaluation": {"data", "artifacts", "models", "serving"},
    "audit": {"data", "artifacts", "models", "serving", "evaluation"},
    "study": {"data", "artifacts", "models", "serving", "evaluation", "audit"},
    "catalogue": {"data", "artifacts", "models", "serving", "evaluation"},
}
LEAVES = {"errors", "cpu"}
TOP_LEVEL = {"__init__", "__main__", "cli", "train", "errors", "cpu"}


def _ml_imports(path: Path) -> set[str]:
    """The `ml.<first>` names a module imports, lazily or not."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == "ml":
                found.add(parts[1] if len(parts) > 1 else node.names[0].name)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("ml."))
    return found


def test_layout001_top_level_is_short_and_every_package_is_a_domain():
    modules = {p.stem for p in ML.glob("*.py")}
    packages = {p.name for p in ML.iterdir() if (p / "__init__.py").is_file()}
    assert modules == TOP_LEVEL and len(modules) <= 8
    assert packages == set(ALLOWED)
    assert not list(ML.glob("*/*/__init__.py")), "packages are one level deep"


def test_layout002_imports_between_packages_run_one_way():
    wrong = []
    for package, allowed in ALLOWED.items():
        for path in (ML / package).glob("*.py"):
            for name in _ml_imports(path) - allowed - LEAVES - {package}:
                wrong.append(f"{path.relative_to(ROOT)} imports ml.{name}")
    for leaf in LEAVES:
        wrong += [f"ml/{leaf}.py imports ml.{name}" for name in _ml_imports(ML / f"{leaf}.py")]
    assert not wrong


def test_layout003_tests_mirror_the_packages():
    """Every module's tests are found by its path: tests/ml/<package>/test_<module>.py."""
    for test in (ROOT / "tests" / "ml").glob("*/test_*.py"):
        module = ML / test.parent.name / f"{test.stem.removeprefix('test_')}.py"
        assert module.is_file(), f"{test.relative_to(ROOT)} has no module {module.relative_to(ROOT)}"


def test_layout004_code_asks_the_registry_instead_of_naming_models():
    """Model keys written as string literals outside the registry (the app, bench and ml alike)."""
    from ml.models.registry import MODELS

    literals = []
    for folder in ("ml", "dash_app", "callbacks", "layouts", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == ML / "models" / "registry.py":
                continue
            literals += [f"{path.relative_to(ROOT)}:{node.lineno}" for node in ast.walk(ast.parse(path.read_text()))
                         if isinstance(node, ast.Constant) and node.value in MODELS]
    assert len(literals) <= 5, literals


def _source_outside_artifacts():
    for folder in ("ml", "dash_app", "callbacks", "layouts", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            if ML / "artifacts" not in path.parents:
                yield path, ast.parse(path.read_text())
    yield ROOT / "wsgi.py", ast.parse((ROOT / "wsgi.py").read_text())


def _called(node, names: set[str]) -> bool:
    """Whether `node` is a call of a function or method named one of `names`."""
    if not isinstance(node, ast.Call):
        return False
    target = node.func
    return (isinstance(target, ast.Name) and target.id in names) or (
        isinstance(target, ast.Attribute) and target.attr in names)


def test_layout005_only_the_artifacts_package_touches_the_manifests_json():
    """Everyone else gets the typed `Manifest` (ml.artifacts.schema) from `load_manifest` or
    `Artifacts.manifest()`, whose fields are attributes: a dict-style read of it cannot run at all.
    Outside `ml.artifacts`: no module parses manifest.json itself, nothing subscripts what those two
    return, and the writers that hand a part back as JSON (`to_json()`) are few."""
    parsed, subscripted, as_json = [], [], []
    for path, tree in _source_outside_artifacts():
        where = path.relative_to(ROOT)
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        texts = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        if ("MANIFEST" in names or any("manifest.json" in t for t in texts)) and "json" in names:
            parsed.append(str(where))
        for node in ast.walk(tree):
            if isinstance(node, ast.Subscript) and _called(node.value, {"load_manifest", "manifest"}):
                subscripted.append(f"{where}:{node.lineno}")
            if _called(node, {"to_json"}):
                as_json.append(f"{where}:{node.lineno}")
    assert not subscripted, subscripted
    assert not [p for p in parsed if p != "dash_app/store.py"], parsed  # the store only stats the file
    assert len(as_json) <= 10, as_json
