"""What a manifest may make Tracklight write: an allow-list (DESIGN.md, "Rules that never bend").

One place, applied twice with the same functions: `manifest validate` and every scan judge a manifest by them (a
manifest that breaks one is invalid, so it never reaches a writer), and the writers check them again right before
they write, whatever the description came from:

- env names (`env_name_refusal`): a telemetry switch — a name from the catalog, or one that says what it is about
  (TELEMETRY, ANALYTICS, DO_NOT_TRACK, …) — and never one that changes how programs load or run (`*_PRELOAD`,
  `BASH_ENV`, `ENV`, `PATH`, `PROMPT_COMMAND`, runtimes' `*_OPTIONS`, …), whoever asks;
- values (`value_refusal`): a switch value — true/false, a number, or a short word (`0`, `off`, `off {today}`):
  letters, digits, space and `._:+,{}-` only, so never a path, a command, quoting, a line or paragraph separator or
  a control character, in any file or shell;
- files in a home folder (`home_path_refusal`): a preference file inside a tool's own config place (a dot file or dot
  folder of home, ~/.config, ~/.local/share, ~/.local/state, ~/Library/Preferences or Application Support or a
  tool's own ~/Library folder, %APPDATA%, %LOCALAPPDATA%), never a place that runs code by design (any `bin`,
  `hooks`, `site-packages`, `node_modules` or `extensions` folder, `.pth` and other program files, editors' and
  terminals' startup code) and never a file named for another format than the one declared;
- keys (`key_refusal`): never a git setting git itself defines (`core.*`, `include.*`, `includeIf.*`, `alias.*`,
  hooks, filters, …: a tool's own key lives in its own section, like `homebrew.analyticsdisabled`), never a key that
  names a loader or shell variable;
- system files (`system_path_refusal`): never a place that runs code or sets the environment for everyone
  (/etc/environment.d, /etc/profile.d, APT hooks, udev rules, …), besides the deny-list of changes/safety.py.

Credentials and shell startup files stay forbidden by changes/safety.py, which calls in here.
"""

from __future__ import annotations

import fnmatch
import functools
import itertools
import math
import posixpath
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from tracklight.core.model import FORMATS, KEYLESS_FORMATS, Os, Scalar

# ---------------------------------------------------------------- never, whatever asks (changes/safety.py applies
# these to every write too, with the real path after symlinks)

# Relative to home. A folder entry forbids everything inside it. Files that are mainly settings but may also hold a
# token (~/.npmrc, ~/.yarnrc.yml) are not here: they are a tool's own preference file, edited one key at a time with
# every other byte kept.
CREDENTIAL_PATHS = (
    ".ssh", ".gnupg", ".password-store", ".local/share/keyrings", ".gnome2/keyrings", ".pki",
    ".local/share/python_keyring", ".aws/credentials", ".aws/sso", ".aws/cli/cache", ".netrc", "_netrc", ".pgpass",
    ".my.cnf", ".git-credentials", ".config/git/credentials", ".docker/config.json", ".kube/config",
    ".pypirc", ".cargo/credentials", ".cargo/credentials.toml", ".vault-token", ".terraform.d/credentials.tfrc.json",
    ".config/gh/hosts.yml", ".config/hub", ".m2/settings-security.xml",
    ".config/gcloud/credentials.db", ".config/gcloud/access_tokens.db", ".config/gcloud/legacy_credentials",
    ".config/gcloud/application_default_credentials.json", ".azure/msal_token_cache.json",
    ".azure/msal_token_cache.bin", ".azure/accessTokens.json", ".azure/service_principal_entries.json",
    "Library/Keychains",
)
# Any file with one of these names, wherever it is.
CREDENTIAL_NAMES = (
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", "*.pem", "*.key", "*.p12", "*.pfx", "*.kdbx", "*.keystore",
    "*.jks", "key4.db", "key3.db", "logins.json", "cookies.sqlite", "credentials", "credentials.json",
    "authorized_keys", "known_hosts",
)
# Files and folders whose content runs at login or shell start, or is run as a program. Tracklight's env store
# writes its own block into some of them (check_env_file); a manifest never may.
STARTUP_PATHS = (
    ".profile", ".bash_profile", ".bash_login", ".bashrc", ".bash_logout", ".bash_aliases", ".bash_env",
    ".zshenv", ".zprofile", ".zshrc", ".zlogin", ".zlogout", ".zsh", ".oh-my-zsh", ".kshrc", ".mkshrc", ".cshrc",
    ".tcshrc", ".login", ".logout", ".xprofile", ".xsession", ".xsessionrc", ".xinitrc", ".xserverrc",
    ".pam_environment", ".config/fish", ".config/nushell", ".config/xonsh", ".xonshrc", ".config/environment.d",
    ".config/autostart", ".config/systemd", ".config/plasma-workspace", ".config/upstart", ".config/powershell",
    ".local/bin", "bin", ".local/share/systemd", "Library/LaunchAgents", "Documents/PowerShell",
    "Documents/WindowsPowerShell",
)
# System scope: relative to the system root.
SYSTEM_FORBIDDEN = (
    "etc/shadow", "etc/gshadow", "etc/passwd", "etc/group", "etc/sudoers", "etc/sudoers.d", "etc/ssh",
    "etc/ssl/private", "etc/pam.d", "etc/security", "etc/profile", "etc/profile.d", "etc/bash.bashrc",
    "etc/bashrc", "etc/zshenv", "etc/zsh", "etc/zprofile", "etc/zshrc", "etc/environment", "etc/cron.d",
    "etc/crontab", "etc/cron.daily", "etc/cron.hourly", "etc/cron.weekly", "etc/cron.monthly", "etc/systemd",
    "etc/init.d", "etc/rc.local", "etc/ld.so.preload", "etc/ld.so.conf", "etc/ld.so.conf.d", "etc/polkit-1",
    "etc/xdg/autostart", "etc/fish", "etc/tracklight", "root", "home", "Users", "boot", "proc", "sys", "dev", "bin",
    "sbin", "lib", "lib32", "lib64", "usr/bin", "usr/sbin", "usr/lib", "usr/libexec", "usr/local/bin",
    "usr/local/sbin", "var/spool/cron", "Library/LaunchDaemons", "Library/LaunchAgents", "System",
)

# Windows, relative to %USERPROFILE% (%APPDATA% and %LOCALAPPDATA% judged as if at their default places). The lists
# above apply there as well: Windows ports keep ~/.ssh, ~/.aws/credentials, ~/.docker/config.json, ~/.kube/config
# and Git Bash's ~/.bashrc in the profile folder.
WINDOWS_CREDENTIAL_PATHS = (
    "AppData/Roaming/gnupg",  # Gpg4win's GnuPG home
    "AppData/Roaming/Microsoft/Credentials", "AppData/Local/Microsoft/Credentials",  # Credential Manager
    "AppData/Roaming/Microsoft/Protect",  # DPAPI master keys
    "AppData/Roaming/Microsoft/Crypto", "AppData/Roaming/Microsoft/SystemCertificates",
    "AppData/Roaming/Microsoft/Vault", "AppData/Local/Microsoft/Vault",
    "AppData/Roaming/gcloud/credentials.db", "AppData/Roaming/gcloud/access_tokens.db",
    "AppData/Roaming/gcloud/legacy_credentials", "AppData/Roaming/gcloud/application_default_credentials.json",
    "AppData/Roaming/GitHub CLI/hosts.yml", "AppData/Roaming/Subversion/auth",
)
WINDOWS_CREDENTIAL_NAMES = ("Login Data", "Login Data For Account", "Cookies", "*.ppk")
WINDOWS_STARTUP_PATHS = (
    "AppData/Roaming/Microsoft/Windows/Start Menu",  # its Programs\Startup folder runs at every login
    "AppData/Local/Microsoft/WindowsApps",  # on PATH by default: a program put there shadows the real one
)
# A PowerShell profile folder wherever Documents is (OneDrive moves it to OneDrive\Documents or "OneDrive - Org").
WINDOWS_PROFILE_FOLDERS = (("documents", "powershell"), ("documents", "windowspowershell"))
# Files Windows runs by their name alone (a double click, a PATH lookup, a shortcut), and the registry's hives.
WINDOWS_PROGRAM_NAMES = (
    "*.exe", "*.dll", "*.com", "*.scr", "*.pif", "*.cpl", "*.msi", "*.msc", "*.bat", "*.cmd", "*.ps1", "*.psm1",
    "*.psd1", "*.ps1xml", "*.vbs", "*.vbe", "*.js", "*.jse", "*.wsf", "*.wsh", "*.hta", "*.lnk", "*.url", "*.reg",
    "*.inf", "desktop.ini", "ntuser.*", "usrclass.dat*",
)

# Tracklight's own files and the manifests folder itself (relative to home): never a manifest's target.
OWN_PLACES = (
    ".config/tracklight", ".local/state/tracklight", ".local/share/tracklight", ".cache/tracklight",
    ".local/share/telemetry-disclosures", "library/application support/tracklight", "library/caches/tracklight",
    "library/application support/telemetrydisclosures", "appdata/roaming/tracklight", "appdata/local/tracklight",
    "appdata/roaming/telemetrydisclosures",
)


# ---------------------------------------------------------------- env names

ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")

# Exact names (upper-cased) that change how a shell or a program starts, finds code or reaches the network.
_NEVER_NAMES = frozenset({
    "PATH", "ENV", "BASH_ENV", "PROMPT_COMMAND", "PS0", "PS1", "PS2", "PS3", "PS4", "SHELL", "SHELLOPTS",
    "BASHOPTS", "IFS", "CDPATH", "FPATH", "HOME", "USER", "LOGNAME", "TMPDIR", "TEMP", "TMP", "EDITOR", "VISUAL",
    "PAGER", "MANPAGER", "BROWSER", "TERMINAL", "ZDOTDIR", "INPUTRC", "LESSOPEN", "LESSCLOSE", "MAILCAP",
    "PYTHONSTARTUP", "PYTHONHOME", "PYTHONINSPECT", "PYTHONUSERBASE", "PYTHONEXECUTABLE", "PYTHONWARNINGS",
    "RUBYOPT", "PERL5OPT", "PERL5DB", "GLIBC_TUNABLES", "HOSTALIASES", "RES_OPTIONS", "LOCALDOMAIN",
    "GCONV_PATH", "NLSPATH", "LOCPATH", "ELECTRON_RUN_AS_NODE", "COMSPEC", "PATHEXT", "PSMODULEPATH",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
    "DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XAUTHORITY", "SUDO_ASKPASS", "SSH_ASKPASS",
    "GIT_ASKPASS", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_EXEC_PATH", "GIT_EDITOR", "GIT_PAGER", "GIT_DIR",
    "GIT_WORK_TREE", "GIT_TEMPLATE_DIR", "GIT_EXTERNAL_DIFF", "GIT_PROXY_COMMAND",
})
# Families of such variables, judged on the `_`-separated words of the upper-cased name (so POWERSHELL_TELEMETRY_OPTOUT
# is not a SHELL variable): loaders, runtimes' options and search paths, interpreters, hooks, proxies, secrets.
_NEVER_PREFIXES = ("LD_", "DYLD_", "PYTHON", "PERL", "RUBY", "NODE_", "GEM_", "BUNDLE_", "GIT_", "JAVA_",
                   "_JAVA", "JDK_", "SSH_", "GPG_", "DOTNET_STARTUP", "CORECLR_", "COR_", "ELECTRON_")
_NEVER_WORDS = frozenset({
    "SHELL", "COMMAND", "CMD", "EXEC", "EXECUTABLE", "HOOK", "HOOKS", "ASKPASS", "PROFILER", "PROXY", "SCRIPT",
    "SCRIPTS", "MODULE", "MODULES", "PLUGIN", "PLUGINS", "INJECT", "STARTUP", "AUTOLOAD", "EXTENSION",
    "EXTENSIONS", "INTERPRETER", "EDITOR", "PAGER", "CA", "CERT", "CERTS", "REGISTRY", "MIRROR", "KEYRING",
    "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL", "CREDENTIALS", "LIBRARY",
})
_NEVER_LAST_WORDS = frozenset({
    "OPTIONS", "OPTS", "OPT", "ARGS", "FLAGS", "HOME", "ROOT", "DIR", "FILE", "URL", "URI", "ENDPOINT", "HOST",
    "SERVER", "SOCKET", "BROWSER", "INIT", "RC", "PROFILE", "ENV",
})


def _never(upper: str) -> bool:
    """Does this (upper-cased) name belong to a family that changes how programs load or run?"""
    if upper in _NEVER_NAMES or "PRELOAD" in upper or upper.startswith(_NEVER_PREFIXES):
        return True
    if upper.startswith("NPM_CONFIG_"):
        return upper != "NPM_CONFIG_UPDATE_NOTIFIER"  # npm reads every npm_config_* as a setting, scripts included
    words = [w for w in upper.split("_") if w]
    if not words:
        return False
    if any(w in _NEVER_WORDS or w.endswith(("PATH", "LIB", "LIBS")) for w in words):
        return True
    return words[-1] in _NEVER_LAST_WORDS


# A name that says it is a telemetry switch. Every env name in the shipped catalog matches (a test checks it), so a
# vendor can copy its catalog entry as its manifest.
_TELEMETRY_PATTERN = re.compile(
    r"TELE|ANALYTIC|TRACK|USAGE|STATS|STATISTIC|METRIC|DIAGNOSTIC|CRASH|REPORT|CONSENT|OPT_?OUT|OPT_?IN|"
    r"INSTRUMENT|ANON|CHECKPOINT|FEEDBACK|SENTRY|COLLECT|PRIVACY|"
    r"UPDATE_CHECK|CHECK_UPDATE|CHECK_?FOR_?UPDATE|VERSION_CHECK|"
    r"UPDATER?_?(?:ENABLE_)?NOTIF|OFFLINE|NO_?PING|^OTEL_SDK_DISABLED$|^DO_NOT_TRACK$")


def env_name_refusal(name: str, *, from_catalog: bool = False) -> str | None:
    """Why Tracklight will not set this env variable, or None. `from_catalog`: the name is the catalog's own (it
    needs no telemetry-like name, but the never-list holds for it too)."""
    if not ENV_NAME_RE.fullmatch(name):
        return f"{name!r} is not a valid environment variable name"
    upper = name.upper()
    if _never(upper):
        return (f"{name} changes how programs load or run, not whether they send telemetry; Tracklight never "
                "sets it")
    if not from_catalog and not _TELEMETRY_PATTERN.search(upper):
        return (f"{name} is not a telemetry switch: a manifest may set only names from the catalog or names that "
                "say what they switch (TELEMETRY, ANALYTICS, TRACKING, USAGE_STATS, DO_NOT_TRACK, …)")
    return None


# ---------------------------------------------------------------- values

_VALUE_RE = re.compile(r"[A-Za-z0-9 ._:+,{}-]{0,64}")


def value_refusal(value: Scalar) -> str | None:
    """Why Tracklight will not write this value, or None: only switch values (see the module docstring)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if abs(value) < 1 << 63 else f"{value} is too large for a switch"
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{value!r} is not a number a tool reads"
    if isinstance(value, str) and _VALUE_RE.fullmatch(value):
        return None
    return (f"the value {value!r} is not a switch value: only true/false, a number, or up to 64 letters, digits, "
            "spaces and ._:+,{}- (never a path, a command, quotes, a line break or a control character)")


_ENV_SPECIAL = frozenset("\"'`$\\")


def env_text_refusal(value: str) -> str | None:
    """Why a value cannot go into Tracklight's env files (sh, fish and environment.d, all unescaped by one of
    them), or None: quotes, `$`, backquotes, backslashes, control and format characters (a BOM, bidi overrides) and
    every Unicode line or paragraph separator (U+2028, U+2029, U+0085, …), which a reader splitting lines with
    str.splitlines would take for a new line."""
    for ch in value:
        if ch in _ENV_SPECIAL or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            return (f"the value {value!r} contains {unicodedata.name(ch, repr(ch))} (U+{ord(ch):04X}); Tracklight "
                    "writes no quotes, $, \\, control characters or line separators into shell and session files")
    return None


def env_refusal(name: str, value: str | None, *, from_catalog: bool = True) -> str | None:
    """The rule every env-file writer applies before it writes `name=value` (None value: the variable is removed):
    a name Tracklight may set, and a value every env-file language reads as plain text. Which values a description
    may ask for at all is `value_refusal`, applied where a control's value is chosen (plan, system plan)."""
    refusal = env_name_refusal(name, from_catalog=from_catalog)
    if refusal is None and value is not None:
        refusal = env_text_refusal(value)
    return refusal


# ---------------------------------------------------------------- files in a home folder

# macOS's own folders under ~/Library. Beside Preferences and Application Support (and sandboxed apps' containers),
# a tool keeps its settings in a folder of its own name there (~/Library/Arduino15); Apple's other folders hold
# launch agents, scripts, plug-ins, keychains and caches.
_APPLE_LIBRARY_ALLOWED = frozenset({"preferences", "application support", "containers", "group containers"})
_APPLE_LIBRARY = frozenset({
    "accounts", "application scripts", "assistants", "audio", "autosave information", "caches", "calendars",
    "colorpickers", "colorsync", "compositions", "cookies", "coredata", "developer", "dictionaries", "favorites",
    "fontcollections", "fonts", "frameworks", "httpstorages", "identityservices", "input methods",
    "internet plug-ins", "keyboard layouts", "keychains", "launchagents", "launchdaemons", "logs", "mail",
    "messages", "metadata", "preferencepanes", "printers", "quicklook", "safari", "saved application state",
    "screen savers", "scripts", "services", "sharing", "shortcuts", "sounds", "spelling", "spotlight", "statuskit",
    "suggestions", "syncedpreferences", "webkit", "workflows", "extensions", "speech", "voices", "widgets",
})
# Folders whose content is code by design, at any depth.
_CODE_FOLDERS = frozenset({
    "bin", "sbin", "libexec", "shims", "site-packages", "dist-packages", "node_modules", "hooks", "git-hooks",
    "extensions", "plugins", "plugin", "scripts", "autostart", "autoload", "startup", "ftplugin", "after", "lib",
    "lib64", "__pycache__", "systemd", "environment.d", "profile.d", "init.d", "rc.d", "launchagents",
    "launchdaemons", "applications",
})
# Files and folders (relative to home) that are code in disguise: editors', debuggers', shells' and terminals' startup
# scripts and window managers' configurations that run commands.
_CODE_PLACES = (
    ".vimrc", ".gvimrc", ".exrc", ".nvimrc", ".vim", ".config/nvim", ".emacs", ".emacs.el", ".emacs.d",
    ".config/emacs", ".spacemacs", ".doom.d", ".config/doom", ".irbrc", ".pryrc", ".pythonrc", ".pythonrc.py",
    ".pythonstartup", ".rprofile", ".octaverc", ".sqliterc", ".psqlrc", ".gdbinit", ".lldbinit", ".pdbrc",
    ".config/gdb", ".tmux.conf", ".config/tmux", ".screenrc", ".mailcap", ".xbindkeysrc", ".xmodmap",
    ".config/i3", ".config/sway", ".config/hypr", ".config/openbox", ".config/lxsession", ".config/awesome",
    ".config/qtile", ".config/bspwm", ".config/sxhkd", ".config/kitty", ".config/alacritty", ".wezterm.lua",
    ".config/wezterm", ".config/ranger", ".config/lf", ".config/mc", ".config/git/hooks", ".ipython",
    ".jupyter/jupyter_notebook_config.py", ".ssh", ".gnupg", ".docker", ".kube", ".aws/config",
    ".config/gh/hosts.yml", ".npm-global", ".cargo/bin", ".rustup", ".pyenv", ".rbenv", ".nvm", ".volta",
    ".bun/bin", ".deno/bin", ".dotnet/tools", ".local/bin", ".local/lib", ".local/share/applications",
    ".local/share/systemd", ".local/share/kservices5", ".local/share/nautilus/scripts", ".local/share/nemo",
    ".local/share/dbus-1",
)
# File endings of programs, scripts, loader files and unit files (Windows' own, which Windows runs by name, are in
# WINDOWS_PROGRAM_NAMES and count there only).
_CODE_SUFFIXES = frozenset({
    ".pth", ".py", ".pyc", ".pyo", ".pyw", ".pyz", ".so", ".dylib", ".sh", ".bash", ".zsh", ".fish", ".csh",
    ".tcsh", ".ksh", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx", ".rb", ".pl", ".pm", ".php",
    ".lua", ".vim", ".el", ".elc", ".tcl", ".awk", ".desktop", ".service", ".timer", ".socket", ".path", ".mount",
    ".target", ".command", ".app", ".jar", ".class", ".wasm", ".node", ".scpt", ".applescript", ".workflow",
    ".jsm", ".xpi", ".crx",
})
# Data file endings and the formats each one can be: a declared format must fit a file's ending when it has one of
# these (a file named for no format, like ~/.npmrc or .../mode, takes any).
_DATA_SUFFIXES: dict[str, frozenset[str]] = {
    ".json": frozenset({"json", "jsonc"}), ".jsonc": frozenset({"json", "jsonc"}),
    ".json5": frozenset({"jsonc"}), ".toml": frozenset({"toml"}), ".yaml": frozenset({"yaml"}),
    ".yml": frozenset({"yaml"}), ".xml": frozenset({"xml"}), ".plist": frozenset({"xml"}),
    ".ini": frozenset({"ini", "gitconfig"}), ".hcl": frozenset({"hcl"}), ".tfrc": frozenset({"hcl"}),
    ".txt": frozenset({"plain", "plain_line", "keyvalue", "keyvalue_exact"}),
    ".env": frozenset({"keyvalue", "keyvalue_exact", "shellvars"}),
}


def _under(relative: str, place: str) -> bool:
    return relative == place or relative.startswith(place + "/")


def fold(os_: Os, text: str) -> str:
    """A name as the OS compares it: macOS and Windows file systems ignore case by default (~/.SSH is ~/.ssh)."""
    if os_ is Os.LINUX:
        return text
    return text.lower() if os_ is Os.WINDOWS else text.casefold()


def matches(relative: str, entries: Iterable[str]) -> str | None:
    """The entry (a file, or a folder and everything in it) that `relative` falls under, or None."""
    for entry in entries:
        if _under(relative, entry):
            return entry
    return None


def name_matches(path: str, names: Iterable[str] = CREDENTIAL_NAMES) -> str | None:
    name = posixpath.basename(path)
    for pattern in names:
        if fnmatch.fnmatchcase(name, pattern):
            return pattern
    return None


@dataclass(frozen=True)
class DenyLists:
    """One OS's lists, folded the way that OS compares names."""

    credential_paths: tuple[str, ...]
    credential_names: tuple[str, ...]
    startup_paths: tuple[str, ...]
    program_names: tuple[str, ...]


@functools.cache
def deny_lists(os_: Os) -> DenyLists:
    credential_paths: tuple[str, ...] = CREDENTIAL_PATHS
    credential_names: tuple[str, ...] = CREDENTIAL_NAMES
    startup_paths: tuple[str, ...] = STARTUP_PATHS
    program_names: tuple[str, ...] = ()
    if os_ is Os.WINDOWS:
        credential_paths += WINDOWS_CREDENTIAL_PATHS
        credential_names += WINDOWS_CREDENTIAL_NAMES
        startup_paths += WINDOWS_STARTUP_PATHS
        program_names = WINDOWS_PROGRAM_NAMES

    def folded(entries: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(fold(os_, entry) for entry in entries)

    return DenyLists(folded(credential_paths), folded(credential_names), folded(startup_paths),
                     folded(program_names))


def in_profile_folder(relative: str) -> bool:
    """Inside a PowerShell profile folder, wherever Documents is (Windows)."""
    return any(pair in WINDOWS_PROFILE_FOLDERS for pair in itertools.pairwise(relative.lower().split("/")))


def _in_config_place(parts: list[str]) -> bool:
    """Is the path (relative to home, lower-cased parts) inside a place where tools keep their settings?"""
    first = parts[0]
    if first == ".local":
        return len(parts) > 2 and parts[1] in ("share", "state")
    if first.startswith(".") and first not in (".", ".."):
        return True
    if first == "library" and len(parts) > 2:
        return parts[1] in _APPLE_LIBRARY_ALLOWED or parts[1] not in _APPLE_LIBRARY
    if first == "appdata" and len(parts) > 2:
        return parts[1] in ("roaming", "local", "locallow")
    return False


def home_path_refusal(relative: str, format_: str | None, os_: Os = Os.LINUX, *, place: bool = True) -> str | None:
    """Why a control may not write this file (`relative`: its path below home, `/`-separated), or None.

    The deny-lists compare as the OS compares names; the allow-list ignores case everywhere (it only refuses more).
    `place` False: only what the file is, not where (the real path behind a link the person made: ~/.config/Code
    may live in ~/dotfiles; the path as named must be in a config place, what it resolves to must not be code).
    """
    shown = ("%USERPROFILE%\\" + relative.replace("/", "\\")) if os_ is Os.WINDOWS else "~/" + relative
    folded = fold(os_, relative)
    lists = deny_lists(os_)
    if matches(folded, lists.credential_paths) or name_matches(folded, lists.credential_names):
        return f"{shown} holds credentials; Tracklight never writes there"
    if matches(folded, lists.startup_paths) or (os_ is Os.WINDOWS and in_profile_folder(folded)):
        return (f"{shown} is a shell startup or autostart file; Tracklight only writes its own marked block there, "
                "for environment settings")
    if name_matches(folded, lists.program_names):
        return f"{shown} is a program, script or shortcut that Windows runs; Tracklight never writes one"
    parts = [p for p in relative.lower().split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return f"{shown} is not a file in your home folder"
    lowered = "/".join(parts)
    if matches(lowered, OWN_PLACES):
        return f"{shown} is one of Tracklight's own files; a manifest cannot point there"
    if place and not _in_config_place(parts):
        return (f"{shown} is not in a tool's config place (a dot file or dot folder in your home, ~/.config, "
                "~/.local/share, ~/.local/state, ~/Library/Preferences or Application Support, %APPDATA%); "
                "Tracklight writes only preference files")
    if matches(lowered, _CODE_PLACES):
        return f"{shown} is code that runs by design, not a preference file; Tracklight never writes it"
    folders = parts[:-1]
    if parts[0] == ".git" or (".git" in folders and lowered.split(".git/", 1)[1] != "config"):
        return f"{shown} is inside a git repository's own folder; only its config file is a preference file"
    for folder in folders:
        if folder in _CODE_FOLDERS:
            return f"{shown} is in a {folder!r} folder, which holds code that runs; Tracklight never writes there"
    suffix = posixpath.splitext(parts[-1])[1]
    if suffix in _CODE_SUFFIXES:
        return f"{shown} is a program or script ({suffix}), not a preference file; Tracklight never writes one"
    if format_ is not None and suffix in _DATA_SUFFIXES and format_ not in _DATA_SUFFIXES[suffix]:
        return f"{shown} is a {suffix} file, not {format_}; a control writes only files of its declared format"
    return None


# ---------------------------------------------------------------- system files

# Relative to the system root: places that run code or set the environment for everyone (changes/safety.py keeps
# the older deny-list beside this: credentials, /etc/profile, /etc/systemd, …).
SYSTEM_CODE_PLACES = (
    "etc/environment", "etc/environment.d", "etc/security", "etc/X11", "etc/xdg/autostart", "etc/xdg/systemd",
    "etc/NetworkManager/dispatcher.d", "etc/apt/apt.conf.d", "etc/apt/apt.conf", "etc/dpkg", "etc/sudo.conf",
    "etc/update-motd.d", "etc/logrotate.d", "etc/logrotate.conf", "etc/udev", "etc/modprobe.d",
    "etc/modules-load.d", "etc/kernel", "etc/init", "etc/rc.d", "etc/rc0.d", "etc/rc1.d", "etc/rc2.d",
    "etc/rc3.d", "etc/rc4.d", "etc/rc5.d", "etc/rc6.d", "etc/rcS.d", "etc/anacrontab", "etc/tmpfiles.d",
    "etc/nsswitch.conf", "etc/pam.conf", "etc/hosts", "etc/resolv.conf", "etc/bash_completion.d", "etc/gdm3",
    "etc/lightdm", "etc/sddm.conf.d", "etc/python3", "etc/skel/.config/autostart", "usr/local/lib", "usr/share/applications",
    "usr/share/bash-completion", "usr/lib/systemd", "lib/systemd", "var/lib/tracklight",
)


# Entries of SYSTEM_FORBIDDEN that are someone else's files rather than code: a package's own copy
# (/usr/lib/firefox/distribution/policies.json) or another user's install (/home/linuxbrew/...) may be read as
# evidence; system scope only never writes them.
_NOT_OURS = frozenset({"home", "Users", "root", "usr/lib", "lib", "lib32", "lib64", "boot", "proc", "sys", "dev"})


def system_path_refusal(relative: str, *, read_only: bool = False) -> str | None:
    """Why a system-scope control may not write this file (`relative`: below the system root), or None.

    `read_only`: a path Tracklight only reads (a later candidate, a control no system plan writes): only what runs
    code is refused, not someone else's file that Tracklight merely never writes."""
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return f"/{relative} is not a file under the system root"
    joined = "/".join(parts)
    forbidden = matches(joined, SYSTEM_FORBIDDEN)
    if (forbidden and not (read_only and forbidden in _NOT_OURS)) or name_matches(joined):
        return f"/{joined} is a system file Tracklight never writes"
    if matches(joined, SYSTEM_CODE_PLACES):
        return f"/{joined} runs code or sets the environment for everyone; Tracklight never writes it"
    lowered = [p.lower() for p in parts]
    for folder in lowered[:-1]:
        if folder in _CODE_FOLDERS - {"lib", "lib64", "applications"}:
            return f"/{joined} is in a {folder!r} folder, which holds code that runs; Tracklight never writes there"
    suffix = posixpath.splitext(lowered[-1])[1]
    if suffix in _CODE_SUFFIXES:
        return f"/{joined} is a program or script ({suffix}), not a preference file; Tracklight never writes one"
    return None


# ---------------------------------------------------------------- keys

# Sections git itself defines (git-config(1)): their keys run programs (core.fsmonitor, core.pager, alias.*,
# filter.*.clean, credential.helper, …), pull in other files (include.path) or change what git fetches.
GIT_SECTIONS = frozenset({
    "add", "advice", "alias", "am", "apply", "attr", "author", "blame", "branch", "browser", "bundle", "checkout",
    "clean", "clone", "color", "column", "commit", "commitgraph", "committer", "completion", "core", "credential",
    "diff", "difftool", "extensions", "fastimport", "feature", "fetch", "filter", "format", "fsck", "fsmonitor",
    "gc", "gitcvs", "gitweb", "gpg", "grep", "gui", "guitool", "help", "hook", "http", "i18n", "imap", "include",
    "includeif", "index", "init", "instaweb", "interactive", "log", "lsrefs", "mailinfo", "mailmap", "maintenance",
    "man", "merge", "mergetool", "notes", "pack", "pager", "pretty", "promisor", "protocol", "pull", "push",
    "rebase", "receive", "reftable", "remote", "remotes", "repack", "rerere", "revert", "safe", "sendemail",
    "sequence", "sequencer", "showbranch", "sparse", "splitindex", "ssh", "stash", "status", "submodule", "tag",
    "tar", "trace2", "transfer", "uploadarchive", "uploadpack", "url", "user", "versionsort", "web", "worktree",
})
_KEY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def key_refusal(format_: str, key: str | None) -> str | None:
    """Why a control may not write this key of a file in `format_`, or None."""
    if format_ not in FORMATS:
        return f"unknown format {format_!r}"
    if key is None:
        return None if format_ in KEYLESS_FORMATS else "a key is needed"
    if not key or len(key) > 256 or _KEY_CONTROL.search(key):
        return f"the key {key!r} is empty, too long, or holds a control character"
    segments = [s.strip('"') for s in key.split(".")]
    if format_ == "gitconfig" and segments[0].lower() in GIT_SECTIONS:
        return (f"{key} is one of git's own settings (section {segments[0]!r}); a tool's key lives in a section of "
                "its own, and git's settings can run programs")
    last = re.sub(r"[^A-Za-z0-9]", "_", segments[-1]).upper()
    if _never(last):
        return f"the key {key} names how a program loads or runs, not a telemetry switch; Tracklight never sets it"
    return None
