"""Signed archives: a catalog (or a policy) as a tar.gz with a VERSION and an ed25519 SIGNATURE inside.

An archive holds flat, regular files only: `<id>.toml` entries (or one `policy.toml`), `VERSION` (a whole number that
only goes up) and `SIGNATURE`. The signature covers a digest list of every other member:

    tracklight-signed-archive-v1\\n
    <sha256 hex>  <name>\\n            one line per member except SIGNATURE, sorted by name

so a changed, added or removed file breaks it, whatever the order inside the tar. SIGNATURE holds the 64-byte
signature in base64. Keys: the public key is 32 raw bytes in base64 (what a policy's `catalog_key` holds); the
private key is a PKCS#8 PEM file.

Reading is bounded before anything is trusted: the gzip stream is inflated into at most MAX_TAR_BYTES, and each member
may hold at most MAX_MEMBER_BYTES, so a compression bomb costs nothing.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import re
import tarfile
import zlib

from tracklight.core.policy import decode_public_key
from tracklight.core.update_archive import POLICY, SIGNATURE, VERSION, SignedArchive, parse_version
from tracklight.errors import UpdateError

MAGIC = b"tracklight-signed-archive-v1\n"
MAX_TAR_BYTES = 32 << 20
MAX_MEMBER_BYTES = 1 << 20
MAX_MEMBERS = 4096
ENTRY_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}\.toml")


def signed_message(files: dict[str, bytes]) -> bytes:
    """What the signature covers: the digest list of every member but SIGNATURE."""
    lines = [f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n" for name in sorted(files) if name != SIGNATURE]
    return MAGIC + "".join(lines).encode("ascii")


# ---------------------------------------------------------------- keys

def generate_key() -> tuple[bytes, str]:
    """A new signing key: (private key as PKCS#8 PEM, public key as base64)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return pem, public_key_text(pem)


def _load_private(pem: bytes, path: str = "") -> object:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise UpdateError(f"not an unencrypted PEM private key: {exc}", path=path or None) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UpdateError("not an ed25519 private key (make one with `tracklight catalog keygen`)",
                          path=path or None)
    return key


def public_key_text(pem: bytes) -> str:
    """The base64 public key of a PEM private key."""
    from cryptography.hazmat.primitives import serialization

    key = _load_private(pem)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw,  # type: ignore[attr-defined]
                                        serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


# ---------------------------------------------------------------- building

def build_archive(files: dict[str, bytes], version: int, private_pem: bytes, key_path: str = "") -> bytes:
    """A signed tar.gz of `files` plus VERSION and SIGNATURE; byte-identical for the same input (mtime 0)."""
    if version < 1:
        raise UpdateError("the version must be a whole number of 1 or more")
    members = dict(files)
    members[VERSION] = f"{version}\n".encode("ascii")
    key = _load_private(private_pem, key_path)
    signature = key.sign(signed_message(members))  # type: ignore[attr-defined]
    members[SIGNATURE] = base64.b64encode(signature) + b"\n"
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(members):
            info = tarfile.TarInfo(name)
            info.size = len(members[name])
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(members[name]))
    return gzip.compress(tar_bytes.getvalue(), mtime=0)


# ---------------------------------------------------------------- reading and verifying

def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        raw = inflater.decompress(data, MAX_TAR_BYTES + 1)
    except zlib.error as exc:
        raise UpdateError(f"the download is not a gzip archive ({exc}); nothing was replaced") from None
    if len(raw) > MAX_TAR_BYTES or inflater.unconsumed_tail:
        raise UpdateError(f"the archive unpacks to more than {MAX_TAR_BYTES >> 20} MiB; nothing was replaced")
    if not inflater.eof:
        raise UpdateError("the archive is cut short (truncated download); nothing was replaced")
    return raw


def read_members(data: bytes) -> dict[str, bytes]:
    """The files of a downloaded archive, after the size and shape checks (nothing verified yet)."""
    raw = _inflate(data)
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
            for number, info in enumerate(tar):
                if number >= MAX_MEMBERS:
                    raise UpdateError(f"the archive has more than {MAX_MEMBERS} files; nothing was replaced")
                name = info.name.removeprefix("./")
                if info.isdir() and name in ("", "."):
                    continue
                if not info.isfile():
                    raise UpdateError(f"the archive holds {info.name!r}, which is not a plain file; "
                                      "nothing was replaced")
                if name not in (VERSION, SIGNATURE, POLICY) and not ENTRY_NAME.fullmatch(name):
                    raise UpdateError(f"the archive holds an unexpected file {info.name!r}; nothing was replaced")
                if name in members:
                    raise UpdateError(f"the archive holds {name!r} twice; nothing was replaced")
                if info.size > MAX_MEMBER_BYTES:
                    raise UpdateError(f"{name} in the archive is larger than {MAX_MEMBER_BYTES >> 10} KiB; "
                                      "nothing was replaced")
                handle = tar.extractfile(info)
                assert handle is not None
                members[name] = handle.read(MAX_MEMBER_BYTES + 1)
    except tarfile.TarError as exc:
        raise UpdateError(f"the download is not a valid archive ({exc}); nothing was replaced") from None
    return members


def verify_archive(data: bytes, public_key: str) -> SignedArchive:
    """Check a downloaded archive against the pinned public key; UpdateError saying why when it doesn't hold."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    raw_key = decode_public_key(public_key)
    if raw_key is None:
        raise UpdateError("the pinned public key is not a base64 ed25519 key")
    members = read_members(data)
    if SIGNATURE not in members:
        raise UpdateError("the archive is not signed (no SIGNATURE); nothing was replaced")
    try:
        signature = base64.b64decode(members[SIGNATURE].strip(), validate=True)
    except ValueError:
        signature = b""
    try:
        Ed25519PublicKey.from_public_bytes(raw_key).verify(signature, signed_message(members))
    except (InvalidSignature, ValueError):
        raise UpdateError("the signature does not match the pinned key: the archive was changed after signing, "
                          "or signed with another key; nothing was replaced") from None
    version = parse_version(members.get(VERSION, b""))
    if version is None:
        shown = members.get(VERSION, b"")[:24].decode("ascii", "replace").strip()
        raise UpdateError(f"the archive's VERSION is not a whole number ({shown!r}); nothing was replaced")
    files = {name: data for name, data in members.items() if name not in (VERSION, SIGNATURE)}
    if POLICY in files and len(files) > 1:
        raise UpdateError("an archive holds either catalog entries or one policy.toml, not both")
    if not files:
        raise UpdateError("the archive holds no catalog entries; nothing was replaced")
    return SignedArchive(version, files)
