"""Project hygiene: dependencies in sync, notebooks clean, CLI self-documenting."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from commbook.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_mirrors_pyproject_dependencies() -> None:
    project = _pyproject()["project"]
    expected = set(project["dependencies"]) | set(project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    mirrored = {req for req in pip_section if not req.startswith("-")}
    assert mirrored == expected, (
        f"only in pyproject: {sorted(expected - mirrored)}; "
        f"only in environment.yml: {sorted(mirrored - expected)}"
    )


def test_every_dependency_has_a_lower_bound() -> None:
    project = _pyproject()["project"]
    for req in [*project["dependencies"], *project["optional-dependencies"]["test"]]:
        assert ">=" in req, f"{req}: pin a lower bound"


def test_every_python_package_folder_is_packaged() -> None:
    packages = set(_pyproject()["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "commbook").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    found |= {"commbook.widgets"}  # widgets/ is mapped to commbook.widgets
    assert found == packages


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=str)
def test_notebooks_are_committed_without_outputs(path: Path) -> None:
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name} cell {i} has outputs"
            assert cell.get("execution_count") is None, f"{path.name} cell {i} has a count"


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix]
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            out += _commands(cmd, (*prefix, name))
        else:
            out.append((*prefix, name))
    return out


@pytest.mark.parametrize("args", _commands(main), ids=lambda a: " ".join(a) or "commbook")
def test_every_command_documents_itself_with_an_example(args: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    cmd: click.Command = main
    for name in args:
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
    if not isinstance(cmd, click.Group):
        assert "Example" in result.output, f"`commbook {' '.join(args)} --help` has no example"


def test_user_mistake_is_one_line_on_stderr_not_a_traceback(tmp_path: Path) -> None:
    env = {"COMMBOOK_DATABASE_URL": "nosuchdb://x", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "commbook", "db", "status"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: unsupported database URL")
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_commbook_db_upgrade_creates_the_sqlite_store(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "commbook", "db", "upgrade"],
        capture_output=True,
        text=True,
        env={"COMMBOOK_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "data" / "commbook.db").exists()
    assert "revision" in proc.stdout
