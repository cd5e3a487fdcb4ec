"""Admin policy v1: strict parsing with file:line, ids checked against the catalog, locks as scan and opt-in see them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tracklight.core.catalog import load_index
from tracklight.core.locks import INVALID, machine_locks
from tracklight.core.model import Os
from tracklight.core.policy import parse_policy, read_policy_file, resolve
from tracklight.core.scan import scan
from tracklight.errors import PolicyError

from .conftest import FLEET_POLICY


def env() -> dict[str, str]:
    return dict(os.environ)


def index():
    return load_index(Os.LINUX, env())


def known_tool_ids(index) -> set[str]:
    return set(index.tools)


def check_optin_allowed(tool_id: str, os_: Os, env: dict[str, str]) -> None:
    machine_locks(os_, env).check([tool_id])


def locked_ids(index, os_: Os, env: dict[str, str]) -> frozenset[str]:
    return machine_locks(os_, env).ids(index.tools)


def test_the_design_example_parses():
    policy = parse_policy(
        'policy_version = 1\n[optout]\ntools = ["*"]\nexcept = ["syncthing"]\ndo_not_track = true\n'
        '[lock]\ntools = ["vscode", "dotnet"]\n[updates]\n'
        'catalog_url = "https://tracklight.example.org/catalog.tar.gz"\n'
        'catalog_key = "VL2sn1AwDmT/R5pWdU2R4U1OAnqtA03M7AhmXfJqBt0="\n', "p.toml")
    assert policy.optout == ("*",) and policy.except_ == ("syncthing",) and policy.do_not_track
    assert policy.lock == ("vscode", "dotnet")
    assert policy.updates is not None and policy.updates.catalog_url.endswith("catalog.tar.gz")


@pytest.mark.parametrize(("text", "line", "message"), [
    ('policy_version = 1\n[optout]\ntool = ["vscode"]\n', 3, "unknown field 'optout.tool'"),
    ('policy_version = 1\nlocked = true\n', 2, "unknown field 'locked'"),
    ('policy_version = 2\n', 1, "unknown policy_version 2"),
    ('[optout]\ntools = ["vscode"]\n', None, "missing required field 'policy_version'"),
    ('policy_version = 1\n[optout]\ntools = "vscode"\n', 3, "must be an array of tool ids"),
    ('policy_version = 1\n[optout]\ntools = [\n  "vscode",\n  "Bad Id",\n]\n', 5, "invalid tool id 'Bad Id'"),
    ('policy_version = 1\n[optout]\ntools = ["go"]\n[lock]\ntools = ["vscode"]\n', 5,
     "'vscode' is locked but the policy does not opt it out"),
    ('policy_version = 1\n[optout]\ntools = ["*"]\nexcept = ["go"]\n[lock]\ntools = ["go"]\n', 6,
     "'go' is locked but excepted"),
    ('policy_version = 1\n[updates]\ncatalog_url = "http://example.org/c.tar.gz"\ncatalog_key = "x"\n', 3,
     "must be an https:// URL"),
    ('policy_version = 1\n[optout]\ntools = ["go",, "vscode"]\n', 3, "not valid TOML"),
    ('policy_version = 1\n[updates]\ncatalog_url = "https://[tracklight.example.org/c.tar.gz"\ncatalog_key = "x"\n', 3,
     "must be an https:// URL"),
])
def test_bad_policies_name_the_file_and_line(text, line, message):
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "/etc/tracklight/policy.toml")
    error = caught.value
    assert message in str(error)
    assert error.path == "/etc/tracklight/policy.toml"
    assert error.line == line
    assert str(error).startswith("/etc/tracklight/policy.toml" + (f":{line}:" if line else ":"))


def test_every_problem_is_listed_not_only_the_first():
    text = 'policy_version = 1\ncolour = "red"\n[optout]\ntools = ["go"]\ndnt = true\n'
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.toml")
    assert "p.toml:2: unknown field 'colour'" in str(caught.value)
    assert "p.toml:5: unknown field 'optout.dnt'" in str(caught.value)


def test_unknown_ids_are_named_with_their_lines(write_policy):
    path = write_policy('policy_version = 1\n[optout]\ntools = [\n  "vscode",\n  "vscodee",\n]\n'
                        'except = ["nosuchtool"]\n')
    policy = read_policy_file(str(path))
    with pytest.raises(PolicyError) as caught:
        resolve(policy, known_tool_ids(index()))
    message = str(caught.value)
    assert f"{path}:5: unknown tool id 'vscodee' in 'optout.tools'" in message
    assert f"{path}:7: unknown tool id 'nosuchtool' in 'optout.except'" in message


def test_star_opts_out_every_known_tool_but_the_exceptions():
    policy = parse_policy('policy_version = 1\n[optout]\ntools = ["*"]\nexcept = ["go"]\n[lock]\ntools = ["*"]\n',
                          "p.toml")
    known = known_tool_ids(index())
    resolution = resolve(policy, known)
    assert "go" not in resolution.optout and "vscode" in resolution.optout and "firefox" in resolution.optout
    assert set(resolution.optout) == known - {"go"}
    assert resolution.locked == frozenset(resolution.optout)


def test_no_policy_locks_nothing_and_allows_opt_in():
    assert locked_ids(index(), Os.LINUX, env()) == frozenset()
    check_optin_allowed("vscode", Os.LINUX, env())


def install_policy(sysroot: Path, text: str) -> Path:
    path = sysroot / "etc" / "tracklight" / "policy.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_locked_tools_refuse_opt_in_naming_the_policy(sysroot):
    path = install_policy(sysroot, FLEET_POLICY)
    assert locked_ids(index(), Os.LINUX, env()) == frozenset({"vscode", "dotnet"})
    with pytest.raises(PolicyError) as caught:
        check_optin_allowed("vscode", Os.LINUX, env())
    assert str(caught.value) == f"vscode is locked by your organisation's policy ({path}:9)"
    check_optin_allowed("go", Os.LINUX, env())  # opted out by the policy, but not locked


def test_scan_marks_locked_tools_without_being_told(sysroot):
    install_policy(sysroot, FLEET_POLICY)
    result = scan()
    assert result.get("vscode").locked and result.get("dotnet").locked
    assert not result.get("go").locked
    assert not scan(locked=()).get("vscode").locked  # an explicit answer wins


def test_an_invalid_policy_locks_every_tool_and_says_so_in_the_same_words(sysroot):
    """Fail closed: nobody can tell what the organisation meant to lock, so nothing may be turned back on."""
    path = install_policy(sysroot, 'policy_version = 1\n[lock]\ntool = ["vscode"]\n')
    result = scan()
    assert all(r.locked for r in result.reports)
    problem = next(p for p in result.problems if p.path == str(path))
    assert problem.line == 3 and problem.message.startswith(INVALID)
    assert "unknown field 'lock.tool'" in problem.message
    with pytest.raises(PolicyError) as caught:
        check_optin_allowed("go", Os.LINUX, env())
    assert str(caught.value).startswith(f"{path}: go is locked: {INVALID} (")


def test_a_policy_with_a_malformed_url_is_a_scan_problem_not_a_crash(sysroot):
    path = install_policy(sysroot, 'policy_version = 1\n[updates]\ncatalog_url = "https://[bad"\n')
    result = scan()
    assert any(p.path == str(path) and p.line == 3 and "must be an https:// URL" in p.message
               for p in result.problems)


def test_the_shipped_example_policy_is_valid():
    example = Path(__file__).resolve().parents[2] / "resources" / "policy" / "example.toml"
    policy = read_policy_file(str(example))
    resolution = resolve(policy, known_tool_ids(index()))
    assert {"vscode", "dotnet", "firefox"} <= resolution.locked
    assert "ollama" not in resolution.optout


def test_an_invalid_policy_refuses_every_optin_through_the_shared_operations(sandbox_home) -> None:
    """Fail closed: the tray and the CLI both opt in through changes.Changes, which asks the policy itself."""
    import os
    from pathlib import Path

    from tracklight.changes.operations import Changes
    from tracklight.core import locations
    from tracklight.core.model import Os
    from tracklight.core.scan import scan

    env = dict(os.environ)
    policy = Path(locations.policy_file(Os.LINUX, env, locations.system_root(env)))
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text("policy_version = 1\n[optout]\ntools = [\"dotnet\"\n", encoding="utf-8")  # broken
    report = scan(env=env, only=["dotnet"], locked=()).get("dotnet")
    assert report is not None and not report.locked
    outcome = Changes(env=env, os_=Os.LINUX).optin([report], dry_run=True)
    failures = outcome.plan.failures
    assert failures and any("invalid" in str(f) for f in failures), outcome.plan
