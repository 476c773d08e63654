"""The shape of the code base that a reviewer would otherwise have to keep in their head."""

import tomllib
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]
APPS = ("mittvaccin", "journal", "booking", "billing")
MAX_LINES = 600


def view_and_service_modules() -> list[Path]:
    """Every module under `<app>/views/` or `<app>/services/`, and every `<app>/views*.py` / `services*.py`."""
    found = []
    for app in APPS:
        base = ROOT / app
        for kind in ("views", "services"):
            found += base.glob(f"{kind}*.py")
            found += (base / kind).rglob("*.py")
    return sorted(set(found))


def test_no_view_or_service_module_is_over_600_lines():
    # A module a newcomer cannot read in one sitting gets split by topic, as billing/services/ is.
    modules = view_and_service_modules()
    assert len(modules) > 20, modules  # the walk finds the packages, not an empty folder
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in modules
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not too_long, too_long


def test_the_split_modules_do_not_come_back():
    # A branch made before the split can resurrect an old module in a merge; its code belongs in the
    # package of its topic now (journal/views/, booking/views/, billing/views/, */services/).
    old = [
        "journal/clinical_views.py",
        "journal/views.py",
        "journal/services.py",
        "booking/views.py",
        "booking/views_public.py",
        "booking/services.py",
        "billing/views.py",
    ]
    assert [name for name in old if (ROOT / name).exists()] == []


def test_layers_apps_import_only_from_apps_to_their_left(monkeypatch, capsys):
    """mittvaccin <- journal <- booking <- billing, checked by import-linter (pyproject.toml), imports inside
    functions included: a journal module that imported billing would break the contract."""

    monkeypatch.chdir(ROOT)
    exit_code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    assert exit_code == 0, capsys.readouterr().out


def test_every_app_has_its_place_in_the_layers():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    # A layer may hold siblings that never import each other: "booking | nvr".
    layered = {app.strip() for layer in layers for app in layer.split("|")}
    assert apps == set(config["root_packages"]) == layered
