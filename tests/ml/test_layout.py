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
TOP_LEVEL = {"__init__", "__main__", "cli", "train", "errors", "cpu", "features"}


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
