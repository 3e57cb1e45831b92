"""`pip install` of the wheel gives the whole portal: templates, static files and the compiled
Indonesian catalogs (setup.py's build hook), not only the Python modules of a checkout."""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Runs in the fresh venv, from an empty folder: the checkout is not importable there.
SERVE_ONE_PAGE = textwrap.dedent("""
    import sys, portal
    from portal import create_app
    from portal.extensions import db
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        db.create_all()
    client = app.test_client()
    page = client.get("/?tanggal=2025-11-06").get_data(as_text=True)
    css = client.get("/static/css/portal.css")
    print(portal.__file__)
    print(css.status_code)
    print(page)
""")


@pytest.mark.slow
def test_the_wheel_installed_in_a_fresh_venv_serves_indonesian_pages(tmp_path):
    source, dist, venv = tmp_path / "source", tmp_path / "dist", tmp_path / "venv"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The files of a fresh clone: no .mo compiled by `make`, no build/ left over.
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True,
                             text=True).stdout.split("\0")
    for name in filter(None, tracked):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    assert not list(source.glob("portal/translations/*/LC_MESSAGES/*.mo"))
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(source)],
                   check=True, capture_output=True, text=True)
    wheel = next(dist.glob("portal_layanan-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # The project's pip installs into the new venv (no pip bootstrap there): the wheel and its
    # runtime dependencies at the versions of constraints.txt (pip's cache, or the index).
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "-c", str(ROOT / "constraints.txt"), str(wheel)],
                   check=True, capture_output=True, text=True)
    result = subprocess.run([str(python), "-c", SERVE_ONE_PAGE], cwd=elsewhere, check=True,
                            capture_output=True, text=True)
    module_file, css_status, page = result.stdout.split("\n", 2)
    assert str(venv) in module_file  # the installed package, not the checkout
    assert css_status == "200"
    assert "Langsung ke isi" in page and "Lapor gangguan" in page
    assert "Skip to content" not in page
