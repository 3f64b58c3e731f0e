"""The project's shape: core never imports streamlit, a slug names a lesson's files, shared code imports no lesson."""

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from registry import LESSONS

ROOT = Path(__file__).resolve().parents[1]
LESSON_PACKAGES = [f"core.{lesson.slug}" for lesson in LESSONS]


def core_modules() -> list[str]:
    """Every module of core, but Alembic's migrations: scripts that Alembic runs, not modules to import (the
    store's tests run them)."""
    return sorted(".".join(p.relative_to(ROOT).with_suffix("").parts) for p in (ROOT / "core").rglob("*.py")
                  if p.stem != "__init__" and "migrations" not in p.relative_to(ROOT).parts)


def imported_core_modules(module: str) -> set[str]:
    """The core modules `module` imports, read from its source."""
    path = ROOT / Path(*module.split(".")).with_suffix(".py")
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("core"):
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("core")}
    return found


def lesson_of(module: str) -> int | None:
    """The index of the lesson a core module belongs to, or None for a shared module."""
    for i, package in enumerate(LESSON_PACKAGES):
        if module == package or module.startswith(package + "."):
            return i
    return None


def test_no_core_module_imports_streamlit():
    modules = core_modules()
    assert len(modules) >= 10
    code = f"import sys; import {', '.join(modules)}; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_the_slug_names_the_lesson_file_in_every_folder(lesson):
    assert (ROOT / "lessons" / f"{lesson.slug}.md").is_file()
    assert (ROOT / "app" / "lesson_pages" / f"{lesson.slug}.py").is_file()
    assert (ROOT / "core" / lesson.slug / "__init__.py").is_file()  # every lesson a package, of the same form
    assert (ROOT / "core" / lesson.slug / "checkpoints.py").is_file()
    assert (ROOT / "tests" / f"test_{lesson.slug}.py").is_file()
    assert lesson.core_modules()  # the registry finds its core modules


def test_shared_modules_import_no_lesson_and_lessons_import_only_earlier_ones():
    for module in core_modules():
        own = lesson_of(module)
        for imported in imported_core_modules(module):
            other = lesson_of(imported)
            if other is None:
                continue
            assert own is not None, f"shared module {module} imports the lesson module {imported}"
            assert other <= own, f"{module} (lesson {own + 1}) imports a later lesson: {imported}"


# what a page may use of app/runner.py: describe a task, run it, read its state, show a cost beside a button
RUNNER_FOR_PAGES = {"run", "Task", "Done", "Pending", "Refused", "cost"}
PAGES = sorted((ROOT / "app" / "lesson_pages").glob("*.py")) + sorted((ROOT / "app" / "lesson_parts").glob("*.py"))


def runner_breaches(source: str) -> list[str]:
    """What a page's source does that only the runner may: use the pool or its internals, read the session's
    runs and results, choose between here and the pool itself, keep results in a cache of its own, or draw a Stop
    of its own."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            found += [f"imports {n}" for n in names if n in ("core.pool", "core.worker")]
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "runner"
              and node.attr not in RUNNER_FOR_PAGES):
            found.append(f"runner.{node.attr}")
        elif isinstance(node, ast.Constant) and node.value in ("pool_results", "tickets", "pending_calls"):
            found.append(f"reads {node.value!r}")
        elif isinstance(node, ast.Name) and node.id == "INLINE_SECONDS":
            found.append("INLINE_SECONDS")
        elif isinstance(node, ast.Attribute) and node.attr in ("cache_data", "cache_resource"):
            found.append(f"caches its own results (st.{node.attr})")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "button"
              and node.args and isinstance(node.args[0], ast.Call) and node.args[0].args
              and isinstance(node.args[0].args[0], ast.Constant) and node.args[0].args[0].value == "Stop"):
            found.append("draws its own Stop")
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_a_page_runs_its_work_only_through_the_runner(page):
    assert runner_breaches(page.read_text()) == []


def test_the_runner_rule_finds_each_breach():
    breaches = runner_breaches(
        "import runner\nfrom core.pool import Pool\nimport streamlit as st\n"
        "if runner.estimate('k', w) <= runner.INLINE_SECONDS: pass\n"
        "st.session_state['pool_results'].pop('k')\nrunner.submit('k')\nrunner.tickets()\n"
        "st.button(_('Stop'), on_click=runner.stop)\nrunner.run(runner.Task('k'))\n"
        "twin = st.cache_data(max_entries=8)(f)\n")
    assert sorted(breaches) == sorted(["imports core.pool", "runner.estimate", "runner.INLINE_SECONDS",
                                       "reads 'pool_results'", "runner.submit", "runner.tickets",
                                       "draws its own Stop", "runner.stop",
                                       "caches its own results (st.cache_data)"])


# the session's keys a test may name: the learner's one key, and widget states AppTest has no method to set as a
# browser would (a forged value for the data folder's field, a cell picked in the confusion chart)
TEST_SESSION_KEYS = {"session.KEY", "DATA_DIR", "'sm_confusion'"}


def session_breaches(source: str, allowed: set[str] = frozenset()) -> list[str]:
    """Each use of `session_state` other than a subscript by one of `allowed` (as written in the source)."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "session_state":
            parent = parents.get(node)
            if not (isinstance(parent, ast.Subscript) and parent.value is node
                    and ast.unparse(parent.slice) in allowed):
                written = ast.unparse(parent if parent is not None else node)
                found.append((node.lineno, f"line {node.lineno}: {written}"))
    return [breach for _, breach in sorted(found)]


@pytest.mark.parametrize("module", sorted((ROOT / "app").rglob("*.py")), ids=lambda p: p.stem)
def test_only_the_session_module_reads_or_writes_the_session_state(module):
    """Every module of app/ goes through app/session.py's Learner and its widget helpers."""
    if module.name != "session.py":
        assert session_breaches(module.read_text()) == []


@pytest.mark.parametrize("module", sorted((ROOT / "tests").glob("*.py")), ids=lambda p: p.stem)
def test_tests_read_a_session_through_its_learner(module):
    if module.name != "test_architecture.py":
        assert session_breaches(module.read_text(), TEST_SESSION_KEYS) == []


def test_the_session_rule_finds_each_breach():
    source = ("import streamlit as st\nst.session_state['tickets'] = {}\nx = st.session_state.get('progress')\n"
              "at.session_state[session.KEY]\nat.session_state['pool_results']\n")
    assert session_breaches(source, TEST_SESSION_KEYS) == ["line 2: st.session_state['tickets']",
                                                           "line 3: st.session_state.get",
                                                           "line 5: at.session_state['pool_results']"]
    assert len(session_breaches(source)) == 4


def module_names(paths: list[Path]) -> set[str]:
    return {p.parent.name if p.stem == "__init__" else p.stem for p in paths}


def test_no_module_name_is_used_in_both_app_and_core():
    """A page's `import stepper` and `from core.backprop_numpy import stepper` read alike. The page scripts are
    not imported by name (Streamlit runs them by path), and they are named by the lesson's slug on purpose."""
    app = [p for p in (ROOT / "app").rglob("*.py") if p.parent.name != "lesson_pages"
           and p.name not in ("Home.py", "glossary.py")]
    core = [p for p in (ROOT / "core").rglob("*.py") if p.parent != ROOT / "core" or p.stem != "__init__"]
    assert len(app) >= 10
    assert module_names(app) & module_names(core) == set()


def test_every_lesson_has_the_same_form_in_core_and_shared_modules_hold_no_lesson():
    """Each lesson is a package with its settings table, its checkpoints and the truths they are judged against;
    the modules outside the lessons' packages name no lesson's slug (the mechanism only)."""
    slugs = [lesson.slug for lesson in LESSONS]
    for slug in slugs:
        package = importlib.import_module(f"core.{slug}")
        assert hasattr(package, "SETTINGS"), slug
        assert importlib.import_module(f"core.{slug}.checkpoints").CHECKPOINTS, slug
    for path in (ROOT / "core").glob("*.py"):
        named = [slug for slug in slugs if f'"{slug}"' in path.read_text()]
        assert named == [], f"{path.name} names the lesson(s) {named}"
