"""Build hook (the rest of the metadata is in pyproject.toml): a wheel carries what the source
checkout gets from `make`.

- the translation catalogs compiled (.po -> .mo, with babel), so an installed portal speaks
  Indonesian;
- templates/ and static/, copied inside the package (portal/templates, portal/static), where
  create_app() looks for them when the top-level folders of a checkout are not there.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent


class build_py_with_catalogs_and_templates(build_py):
    def run(self):
        super().run()
        if self.editable_mode:  # an editable install uses the checkout itself (and `make`)
            return
        package = Path(self.build_lib) / "portal"
        compile_catalogs(ROOT / "portal" / "translations", package / "translations")
        for folder in ("templates", "static"):
            shutil.copytree(ROOT / folder, package / folder, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def compile_catalogs(source: Path, target: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in sorted(source.glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        mo_path = target / po_path.relative_to(source).with_suffix(".mo")
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)


setup(cmdclass={"build_py": build_py_with_catalogs_and_templates})
