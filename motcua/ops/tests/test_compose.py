"""compose.yaml is a valid Compose file with the stack docs/operations.md describes, and it
will not start without the secrets it needs (checked by Compose itself, `config`)."""

import os
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def compose(*args, **env):
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        command = ["docker", "compose"]
    else:
        command = ["docker-compose"]  # Debian's package, installed by `make install`
    clean = {k: v for k, v in os.environ.items() if k not in ("POSTGRES_PASSWORD", "SECRET_KEY")}
    return subprocess.run(
        [*command, "--project-directory", str(ROOT), "-f", str(ROOT / "compose.yaml"), *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        cwd=ROOT,
    )


def test_compose_file_is_valid_and_names_the_stack():
    result = compose(
        "--profile", "redis", "--profile", "setup", "config",
        POSTGRES_PASSWORD="pw-for-the-check", SECRET_KEY="k" * 50,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stack = yaml.safe_load(result.stdout)["services"]
    assert set(stack) == {"app", "worker", "migrate", "db", "redis"}
    assert stack["app"]["command"][:2] == ["motcua", "serve"]
    assert stack["worker"]["command"] == ["motcua", "worker"]
    for name in ("app", "worker"):
        env = stack[name]["environment"]
        assert env["MOTCUA_PRODUCTION"] == "1" and env["MOTCUA_TASKS"] == "database"
        assert env["DATABASE_URL"] == "postgres://motcua:pw-for-the-check@db:5432/motcua"
    assert "/readyz" in " ".join(stack["app"]["healthcheck"]["test"])


def test_compose_refuses_to_start_without_the_secrets():
    result = compose("config", "-q")
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr or "SECRET_KEY" in result.stderr
