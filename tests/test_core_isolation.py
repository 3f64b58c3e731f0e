"""core/ is a plain package: importing all of it must not pull in streamlit."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_no_core_module_imports_streamlit():
    modules = [f"core.{p.stem}" for p in (ROOT / "core").glob("*.py") if p.stem != "__init__"]
    assert len(modules) >= 4
    code = f"import sys; import {', '.join(modules)}; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
