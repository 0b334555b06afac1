"""Every third-party module the code imports is named in a requirements file: serving code in
requirements.txt, the rest in a file that includes it. A module installed by hand cannot make
the suite pass while a fresh install would fail."""

import ast
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCAL = {"ml", "dash_app", "callbacks", "layouts", "bench", "tests", "wsgi"}
SOURCES = ["ml", "dash_app", "callbacks", "layouts", "bench", "tests", "wsgi.py", "gunicorn.conf.py"]
# Modules that packages import at run time without declaring them: (module, needed by).
UNDECLARED = {"sympy": ("requirements-train.txt", "onnxruntime.quantization's pre-processing (ml/models/export.py)")}


def _requirements(name: str) -> set[str]:
    """Normalised distribution names pinned in a requirements file and the files it includes."""
    names = set()
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            names |= _requirements(line[3:].strip())
        elif line:
            assert "==" in line, f"{name}: '{line}' is not pinned to a version"
            names.add(_normalise(re.split(r"[\[=]", line)[0]))
    return names


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_modules(paths) -> set[str]:
    modules = set()
    for path in paths:
        for file in ([path] if path.is_file() else path.rglob("*.py")):
            for node in ast.walk(ast.parse(file.read_text(), filename=str(file))):
                if isinstance(node, ast.Import):
                    modules |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules.add(node.module.split(".")[0])
    return {m for m in modules if m not in sys.stdlib_module_names and m not in LOCAL}


def _distributions(modules: set[str]) -> dict[str, set[str]]:
    owners = metadata.packages_distributions()
    missing = sorted(m for m in modules if m not in owners)
    assert not missing, f"imported but not installed in this environment: {missing}"
    return {m: {_normalise(d) for d in owners[m]} for m in modules}


def test_requirements001_every_imported_module_is_in_a_requirements_file():
    pinned = _requirements("requirements-dev.txt")
    imported = _distributions(_imported_modules([ROOT / s for s in SOURCES]))
    unlisted = {m: d for m, d in imported.items() if not d & pinned}
    assert not unlisted, f"imported but in no requirements file: {unlisted}"


def test_requirements002_what_the_server_imports_is_in_requirements_txt():
    """The project's modules that the server loads (started as gunicorn loads it), and every
    third-party import in them, even inside functions, against requirements.txt alone."""
    code = ("import sys, wsgi; "
            "print('\\n'.join(f'{m} {module.__file__}' for m, module in sys.modules.items() "
            "if getattr(module, '__file__', None)))")
    loaded = dict(line.split(" ", 1) for line in subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env={"ARTIFACTS_DIR": str(ROOT / "artifacts"), "PATH": ""}).stdout.splitlines())
    files = [ROOT / "gunicorn.conf.py"] + [Path(file) for name, file in loaded.items()
                                           if name.split(".")[0] in LOCAL]
    assert ROOT / "ml" / "serving" / "predictors.py" in files and ROOT / "dash_app" / "api.py" in files
    serving = _requirements("requirements.txt")
    imported = _distributions(_imported_modules([f for f in files if f.is_file()]))
    unlisted = {m: d for m, d in imported.items() if not d & serving}
    assert not unlisted, f"imported by serving code but not in requirements.txt: {unlisted}"
    assert not {"tensorflow", "keras"} & set(loaded)


@pytest.mark.parametrize("module", sorted(UNDECLARED))
def test_requirements003_undeclared_runtime_imports_are_pinned(module):
    requirements, needed_by = UNDECLARED[module]
    assert _normalise(module) in _requirements(requirements), f"{module} is needed by {needed_by}"
    __import__(module)
