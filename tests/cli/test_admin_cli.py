"""The admin side as an admin types it: policy show/check/apply, export, catalog keygen/sign/update, policy update."""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tracklight.cli import main
from tracklight.resources import catalog_dir

POLICY = """\
policy_version = 1

[optout]
tools = ["firefox", "dotnet", "nextjs", "vscode"]
do_not_track = true

[lock]
tools = ["vscode"]
"""


@pytest.fixture
def root() -> Path:
    path = Path(os.environ["TRACKLIGHT_SYSTEM_ROOT"])
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY)
    return path


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_show_names_what_the_policy_does(policy, root, capsys):
    assert main(["policy", "show", "--policy", str(policy), "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "locked:       vscode" in out
    assert "/etc/firefox/policies/policies.json" in out
    assert "DO_NOT_TRACK: set to 1 system-wide" in out
    assert main(["policy", "show", "--policy", str(policy), "--root", str(root), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["optout"] == ["dotnet", "firefox", "nextjs", "vscode"] and shown["locked"] == ["vscode"]
    assert shown["env"] == {"DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DO_NOT_TRACK": "1", "NEXT_TELEMETRY_DISABLED": "1"}


def test_dry_run_previews_then_apply_writes_then_check_is_clean(policy, root, capsys):
    assert main(["policy", "apply", "--policy", str(policy), "--root", str(root), "--dry-run"]) == 0
    preview = capsys.readouterr().out
    assert "+++ b/etc/firefox/policies/policies.json" in preview and '+    "DisableTelemetry": true' in preview
    assert files_under(root) == {}

    assert main(["policy", "check", "--policy", str(policy), "--root", str(root)]) == 1
    assert "drift: /etc/profile.d/tracklight.sh: missing" in capsys.readouterr().out

    assert main(["policy", "apply", "--policy", str(policy), "--root", str(root)]) == 0
    assert "created: " in capsys.readouterr().out
    written = files_under(root)
    assert written["etc/tracklight/policy.toml"] == POLICY.encode()

    assert main(["policy", "apply", "--root", str(root)]) == 0  # the machine's own policy from now on
    assert "Nothing to change" in capsys.readouterr().out
    assert files_under(root) == written
    assert main(["policy", "check", "--root", str(root)]) == 0


def test_an_admin_undoes_a_system_apply_byte_for_byte(policy, root, capsys):
    firefox = root / "etc/firefox/policies/policies.json"
    firefox.parent.mkdir(parents=True)
    firefox.write_text('{"policies": {"BlockAboutConfig": true}}\n')
    before = files_under(root)

    assert main(["policy", "apply", "--policy", str(policy), "--root", str(root)]) == 0
    out = capsys.readouterr().out
    change = out.rsplit("Change ", 1)[1].split(";")[0]
    assert f"`tracklight undo --system --root {root}` reverts it" in out

    assert main(["history", "--system", "--root", str(root)]) == 0
    listed = capsys.readouterr().out
    assert change in listed and "policy apply: " in listed and "/etc/profile.d/tracklight.sh" in listed

    assert main(["undo", "--system", "--root", str(root)]) == 0
    undone = capsys.readouterr().out
    assert f"restored {firefox}" in undone and f"removed {root}/etc/profile.d/tracklight.sh" in undone
    journal = "var/lib/tracklight/"
    assert {p: b for p, b in files_under(root).items() if not p.startswith(journal)} == before
    assert not (root / "etc/profile.d").exists()  # folders it created are gone too

    assert main(["undo", "--system", "--root", str(root)]) == 1  # nothing left in force
    assert "nothing to undo" in capsys.readouterr().err


def test_check_exits_non_zero_and_lists_drift(policy, root, capsys):
    main(["policy", "apply", "--policy", str(policy), "--root", str(root)])
    firefox = root / "etc/firefox/policies/policies.json"
    firefox.write_text('{"policies": {"DisableTelemetry": false, "DisableFirefoxStudies": true}}')
    capsys.readouterr()
    assert main(["policy", "check", "--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "drift: /etc/firefox/policies/policies.json: differs from the policy (policies.DisableTelemetry" in out


def test_a_broken_policy_is_reported_with_file_and_line_and_nothing_is_applied(tmp_path, root, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('policy_version = 1\n[optout]\ntools = ["firefox", "vscod"]\n')
    assert main(["policy", "apply", "--policy", str(bad), "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:3: unknown tool id 'vscod' in 'optout.tools'" in err
    assert files_under(root) == {}


def test_export_writes_each_format(policy, tmp_path, capsys):
    for fmt in ("ansible", "shell", "powershell", "reg", "mobileconfig", "firefox"):
        out = tmp_path / f"out.{fmt}"
        assert main(["export", "--format", fmt, "--policy", str(policy), "-o", str(out)]) == 0, fmt
        assert out.stat().st_size > 0
    assert json.loads((tmp_path / "out.firefox").read_text())["policies"]["DisableTelemetry"] is True
    assert os.access(tmp_path / "out.shell", os.X_OK)
    capsys.readouterr()
    # The chromium format is Google Chrome's policy, which this policy does not opt out: said plainly, nothing written.
    assert main(["export", "--format", "chromium", "--policy", str(policy), "-o", str(tmp_path / "c.json")]) == 1
    assert "the policy does not opt out google-chrome" in capsys.readouterr().err
    assert not (tmp_path / "c.json").exists()


def test_export_to_standard_output(policy, capsys):
    assert main(["export", "--format", "firefox", "--policy", str(policy)]) == 0
    assert json.loads(capsys.readouterr().out) == {"policies": {"DisableTelemetry": True,
                                                                "DisableFirefoxStudies": True}}


def test_user_apply_opts_out_the_policys_per_user_tools(policy, root, tmp_path, monkeypatch, capsys):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("code", "next", "dotnet"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    settings = tmp_path / "home/.config/Code/User/settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text('{\n  // mine\n  "editor.fontSize": 14\n}\n')
    main(["policy", "apply", "--policy", str(policy), "--root", str(root)])
    capsys.readouterr()

    assert main(["policy", "apply", "--user"]) == 0
    out = capsys.readouterr().out
    assert "Opted out:" in out and "vscode" in out and "nextjs" in out
    assert '"telemetry.telemetryLevel": "off"' in settings.read_text() and "// mine" in settings.read_text()
    assert main(["policy", "apply", "--user"]) == 0
    assert "Nothing to change" in capsys.readouterr().out


# ---------------------------------------------------------------- signed updates, end to end

@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP on 127.0.0.1 (the standard library's file server)."""
    folder = tmp_path / "www"
    folder.mkdir()
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_keygen_sign_and_update_a_self_hosted_catalog(tmp_path, served, capsys):
    www, base = served
    key = tmp_path / "signing.pem"
    assert main(["catalog", "keygen", "-o", str(key)]) == 0
    public = capsys.readouterr().out.strip()
    assert key.stat().st_mode & 0o777 == 0o600
    assert main(["catalog", "keygen", "-o", str(key)]) == 1  # never overwritten

    source = tmp_path / "catalog"
    source.mkdir()
    for name in ("go", "nextjs"):
        (source / f"{name}.toml").write_bytes((catalog_dir() / f"{name}.toml").read_bytes())
    assert main(["catalog", "sign", str(source), "--key", str(key), "--version", "2",
                 "-o", str(www / "catalog.tar.gz")]) == 0

    assert main(["catalog", "update", "--url", f"{base}/catalog.tar.gz"]) == 1
    assert "no public key" in capsys.readouterr().err
    assert main(["catalog", "update", "--url", f"{base}/catalog.tar.gz", "--key", public]) == 0
    assert "Installed catalog version 2 (2 entries)" in capsys.readouterr().out
    installed = tmp_path / "home/.local/share/tracklight/catalog"
    assert sorted(p.name for p in installed.iterdir()) == ["VERSION", "go.toml", "nextjs.toml"]

    assert main(["catalog", "update", "--url", f"{base}/catalog.tar.gz", "--key", public]) == 0
    assert "up to date" in capsys.readouterr().out


def test_sign_refuses_an_invalid_catalog(tmp_path, capsys):
    key = tmp_path / "k.pem"
    main(["catalog", "keygen", "-o", str(key)])
    source = tmp_path / "catalog"
    source.mkdir()
    (source / "go.toml").write_text('manifest_version = 1\nid = "go"\n')
    assert main(["catalog", "sign", str(source), "--key", str(key), "--version", "1",
                 "-o", str(tmp_path / "c.tar.gz")]) == 1
    assert "refusing to sign an invalid catalog" in capsys.readouterr().err
    assert not (tmp_path / "c.tar.gz").exists()


def test_sign_names_a_source_that_does_not_exist(tmp_path, capsys):
    key = tmp_path / "k.pem"
    main(["catalog", "keygen", "-o", str(key)])
    capsys.readouterr()
    assert main(["catalog", "sign", str(tmp_path / "catalgo"), "--key", str(key), "--version", "1"]) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err and "a folder of <id>.toml entries or a policy file" in err


def test_settings_that_are_not_utf8_are_named_not_a_traceback(sandbox_home, capsys):
    settings = sandbox_home / ".config/tracklight/settings.toml"
    settings.parent.mkdir(parents=True)
    settings.write_bytes(b'[updates]\ncatalog_url = "\xff"\n')
    assert main(["catalog", "update"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"tracklight: {settings}: cannot read the settings")


def test_updates_are_off_unless_asked(capsys):
    assert main(["catalog", "update"]) == 1
    assert "catalog updates are off" in capsys.readouterr().err


def test_policy_update_installs_a_newer_signed_revision(tmp_path, root, served, capsys):
    www, base = served
    key = tmp_path / "k.pem"
    main(["catalog", "keygen", "-o", str(key)])
    public = capsys.readouterr().out.strip()
    installed = root / "etc/tracklight/policy.toml"
    installed.parent.mkdir(parents=True)
    header = f'policy_version = 1\n[updates]\npolicy_url = "{base}/policy.tar.gz"\npolicy_key = "{public}"\n'
    installed.write_text("revision = 1\n" + header + '[optout]\ntools = ["go"]\n')

    newer = tmp_path / "newer.toml"
    newer.write_text("revision = 2\n" + header + '[optout]\ntools = ["go", "nextjs"]\n')
    assert main(["catalog", "sign", str(newer), "--key", str(key), "-o", str(www / "policy.tar.gz")]) == 0
    assert main(["policy", "update", "--root", str(root)]) == 0
    assert "Installed policy revision 2" in capsys.readouterr().out
    assert installed.read_text() == newer.read_text()

    older = tmp_path / "older.toml"
    older.write_text("revision = 1\n" + header + '[optout]\ntools = ["*"]\n')
    assert main(["catalog", "sign", str(older), "--key", str(key), "-o", str(www / "policy.tar.gz")]) == 0
    assert main(["policy", "update", "--root", str(root)]) == 1
    assert "only moves forward" in capsys.readouterr().err
    assert installed.read_text() == newer.read_text()


def test_a_folder_that_cannot_be_created_is_a_clear_error_not_a_traceback(tmp_path, root, capsys):
    # /etc/firefox is a dangling link inside the root: the policy folder under it can't be made.
    (root / "etc").mkdir()
    (root / "etc" / "firefox").symlink_to("../nowhere/firefox")
    policy = tmp_path / "policy.toml"
    policy.write_text('policy_version = 1\n[optout]\ntools = ["firefox"]\n')
    assert main(["policy", "apply", "--policy", str(policy), "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tracklight: ") and "cannot create folder" in err
    assert str(root / "etc" / "firefox" / "policies") in err


def test_no_policy_points_at_an_example_that_exists(root, capsys):
    assert main(["policy", "show"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"tracklight: no policy at {root}/etc/tracklight/policy.toml")
    example = err.split("see ", 1)[1].split(")", 1)[0]
    assert Path(example).is_absolute() and Path(example).is_file(), example  # not relative to a checkout
