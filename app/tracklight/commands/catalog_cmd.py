"""`tracklight catalog update|keygen|sign`: signed catalog updates, and the tools to host your own catalog.

The "catalog" parser is shared: `add_catalog_actions(actions)` adds the update/keygen/sign actions to its
subparsers, so other actions (`catalog list`) can be added beside them in `register`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from tracklight.commands.catalog_list import add_list_action
from tracklight.commands.catalog_prove import add_audit_action, add_prove_action, add_quotes_action
from tracklight.errors import TracklightError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("catalog", help="the tool catalog: signed updates, and hosting your own",
                                   description="Tracklight's catalog of tools. Updates are off unless you or "
                                               "your organisation's policy name a signed source.")
    actions = parser.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    add_list_action(actions)
    add_catalog_actions(actions)
    add_prove_action(actions)
    add_quotes_action(actions)
    add_audit_action(actions)


def add_catalog_actions(actions: Any) -> None:
    """Add update, keygen and sign to the catalog parser's subparsers."""
    update = actions.add_parser("update", help="download, verify and install a signed catalog update")
    update.add_argument("--url", help="the catalog archive (https://; http:// only on this machine's loopback)")
    update.add_argument("--key", help="the base64 ed25519 public key it must be signed with")
    update.add_argument("--timeout", type=float, default=15.0, metavar="SECONDS", help="per-step network timeout")
    update.set_defaults(func=run_update)

    keygen = actions.add_parser("keygen", help="make a signing key for your own catalog or policy updates")
    keygen.add_argument("-o", "--output", required=True, metavar="KEYFILE",
                        help="where to write the private key (PEM, mode 600; never overwritten)")
    keygen.set_defaults(func=run_keygen)

    sign = actions.add_parser("sign", help="build a signed archive from a catalog folder or a policy file")
    sign.add_argument("source", metavar="SOURCE",
                      help="a folder of <id>.toml entries, or a policy .toml file (its revision is the version)")
    sign.add_argument("--key", required=True, metavar="KEYFILE", help="the private key from `catalog keygen`")
    sign.add_argument("--version", type=int, metavar="N",
                      help="the catalog version (a whole number, higher than the last one; default: SOURCE/VERSION)")
    sign.add_argument("-o", "--output", metavar="PATH", help="the archive to write (default: catalog.tar.gz or "
                                                             "policy.tar.gz in the current folder)")
    sign.set_defaults(func=run_sign)


def _fail(error: TracklightError | str) -> int:
    print(f"tracklight: {error}", file=sys.stderr)
    return 1


def run_update(args: argparse.Namespace) -> int:
    from tracklight.commands.updates import update_catalog
    from tracklight.core import locations
    from tracklight.net.fetch import make_client
    from tracklight.net.updates import catalog_source

    env = dict(os.environ)
    os_ = locations.current_os()
    try:
        source = catalog_source(os_, env, args.url, args.key)
        with make_client(args.timeout) as client:
            result = update_catalog(client, source, os_, env)
    except TracklightError as exc:
        return _fail(exc)
    print(result.message)
    return 0


def run_keygen(args: argparse.Namespace) -> int:
    from tracklight.net.archive import generate_key

    path = os.path.abspath(args.output)
    if os.path.lexists(path):
        return _fail(f"{args.output} exists; a signing key is never overwritten")
    from tracklight.changes.atomic import atomic_write

    pem, public = generate_key()
    try:
        # expected_before=None: refused if the file appears meanwhile; a failed write leaves no half key behind
        atomic_write(path, pem, mode=0o600, expected_before=None)
    except TracklightError as exc:
        return _fail(exc)
    print(public)
    print(f"Private key written to {args.output} (keep it secret). Pin the public key above as catalog_key "
          "in the policy's [updates] (or your settings).", file=sys.stderr)
    return 0


def _catalog_files(folder: Path) -> dict[str, bytes]:
    from tracklight.core.manifest import MAX_BYTES, load_manifest_file
    from tracklight.core.model import Source
    from tracklight.core.readfile import read_regular_file
    from tracklight.errors import UpdateError

    files: dict[str, bytes] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.toml")):
        result = load_manifest_file(path, Source.CATALOG)
        problems += [str(p) for p in result.problems]
        if not result.problems:
            files[path.name] = read_regular_file(str(path), MAX_BYTES)
    if problems:
        raise UpdateError("refusing to sign an invalid catalog:\n  " + "\n  ".join(problems))
    if not files:
        raise UpdateError(f"no <id>.toml entries in {folder}")
    return files


def run_sign(args: argparse.Namespace) -> int:
    from tracklight.changes.atomic import atomic_write
    from tracklight.core.policy import read_policy_file
    from tracklight.core.readfile import read_regular_file
    from tracklight.core.update_archive import MAX_VERSION_DIGITS, POLICY, installed_version
    from tracklight.errors import UpdateError
    from tracklight.net.archive import build_archive

    source = Path(args.source)
    try:
        key_pem = read_regular_file(args.key, 1 << 16)
    except OSError as exc:
        return _fail(f"cannot read {args.key}: {exc.strerror or exc}")
    try:
        if not source.exists():
            raise UpdateError(f"{args.source} does not exist: give a folder of <id>.toml entries or a policy file")
        if source.is_dir():
            files = _catalog_files(source)
            version = args.version
            if version is None:
                version = installed_version(source)
                if version is None:
                    raise UpdateError("give --version N (or put a VERSION file with a whole number, at most "
                                      f"{MAX_VERSION_DIGITS} digits, in the folder)")
            default_name = "catalog.tar.gz"
        else:
            policy = read_policy_file(str(source))
            if policy.revision < 1:
                raise UpdateError("a signed policy needs 'revision = N' (1 or more; raise it with every change)",
                                  path=str(source))
            if args.version is not None and args.version != policy.revision:
                raise UpdateError(f"--version {args.version} differs from the policy's revision {policy.revision}")
            files = {POLICY: policy.text.encode("utf-8")}
            version = policy.revision
            default_name = "policy.tar.gz"
        data = build_archive(files, version, key_pem, args.key)
        output = os.path.abspath(args.output or default_name)
        atomic_write(output, data, mode=0o644)
    except TracklightError as exc:
        return _fail(exc)
    print(f"wrote {output} (version {version}, {len(files)} file(s))", file=sys.stderr)
    return 0
