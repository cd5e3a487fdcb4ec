"""The policy for Windows: a PowerShell script and a .reg file (machine environment and browser policies).

The machine environment lives in HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment; the browsers
read their policies from HKLM\\SOFTWARE\\Policies (admin/browsers.py). Booleans are REG_DWORD 1/0, as the browsers'
ADMX templates define them. The .reg file is what Registry Editor 5.00 reads: UTF-16 LE with a BOM, CRLF lines.
"""

from __future__ import annotations

from tracklight.admin.browsers import BROWSERS, BrowserPolicy
from tracklight.admin.system import SystemPlan

ENVIRONMENT_KEY = "SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment"
REG_HEADER = "Windows Registry Editor Version 5.00"


def browsers_in(plan: SystemPlan) -> list[BrowserPolicy]:
    return [BROWSERS[tool_id] for tool_id in plan.resolution.optout if tool_id in BROWSERS]


def _reg_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_reg(plan: SystemPlan) -> bytes:
    """A .reg file: machine environment variables and browser policies."""
    lines = [REG_HEADER, "", f"; Tracklight: the organisation's telemetry opt-outs, exported from {plan.policy.path}",
             "; Environment variables take effect for programs started after the next sign-in.", ""]
    if plan.env:
        lines.append(f"[HKEY_LOCAL_MACHINE\\{ENVIRONMENT_KEY}]")
        for name, value, _tools in plan.env:
            lines.append(f"{_reg_string(name)}={_reg_string(value)}")
        lines.append("")
    for browser in browsers_in(plan):
        lines.append(f"[HKEY_LOCAL_MACHINE\\{browser.windows_key}]")
        for setting, enabled in browser.settings:
            lines.append(f"{_reg_string(setting)}=dword:{int(enabled):08x}")
        lines.append("")
    text = "\r\n".join(lines) + "\r\n"
    return "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")


def _ps_quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_PS_FUNCTIONS = r'''
#Requires -RunAsAdministrator
$ErrorActionPreference = 'Stop'
$script:changed = 0

function Set-TracklightMachineEnv([string]$Name, [string]$Value) {
    if ([Environment]::GetEnvironmentVariable($Name, 'Machine') -cne $Value) {
        [Environment]::SetEnvironmentVariable($Name, $Value, 'Machine')
        $script:changed++
        Write-Output "set machine environment $Name"
    }
}

function Set-TracklightPolicy([string]$Key, [string]$Name, [int]$Value) {
    if (-not (Test-Path -LiteralPath $Key)) { New-Item -Path $Key -Force | Out-Null }
    $current = (Get-ItemProperty -LiteralPath $Key -Name $Name -ErrorAction SilentlyContinue).$Name
    if ($null -eq $current -or [int]$current -ne $Value) {
        New-ItemProperty -LiteralPath $Key -Name $Name -Value $Value -PropertyType DWord -Force | Out-Null
        $script:changed++
        Write-Output "set $Key\$Name = $Value"
    }
}

function Set-TracklightFile([string]$Path, [string]$Content) {
    $folder = Split-Path -Parent $Path
    if (-not (Test-Path -LiteralPath $folder)) { New-Item -ItemType Directory -Path $folder -Force | Out-Null }
    $bytes = (New-Object System.Text.UTF8Encoding $false).GetBytes($Content)
    if ((Test-Path -LiteralPath $Path) -and
        ([Convert]::ToBase64String([IO.File]::ReadAllBytes($Path)) -eq [Convert]::ToBase64String($bytes))) { return }
    $temp = "$Path.tracklight.tmp"
    [IO.File]::WriteAllBytes($temp, $bytes)
    Move-Item -LiteralPath $temp -Destination $Path -Force
    $script:changed++
    Write-Output "wrote $Path"
}
'''


def render_powershell(plan: SystemPlan) -> str:
    """A PowerShell script (run as administrator): machine environment, browser policies, the policy file."""
    lines = [
        f"# Tracklight: the organisation's telemetry opt-outs, exported from {plan.policy.path}",
        "# Run as administrator:  powershell -ExecutionPolicy Bypass -File tracklight.ps1",
        "# Idempotent: a second run changes nothing.",
        _PS_FUNCTIONS.strip("\n"),
        "",
        "# The policy itself, so Tracklight on this machine shows locked tools",
        "Set-TracklightFile (Join-Path $env:ProgramData 'Tracklight\\policy.toml') "
        + _ps_quote(plan.policy.text),
        "",
    ]
    if plan.env:
        lines.append("# Machine environment")
        for name, value, tools in plan.env:
            lines.append(f"Set-TracklightMachineEnv {_ps_quote(name)} {_ps_quote(value)}  # {', '.join(tools)}")
        lines.append("")
    for browser in browsers_in(plan):
        lines.append(f"# {browser.name}")
        for setting, enabled in browser.settings:
            lines.append(f"Set-TracklightPolicy {_ps_quote('HKLM:' + chr(92) + browser.windows_key)} "
                         f"{_ps_quote(setting)} {int(enabled)}")
        lines.append("")
    lines += [
        "Write-Output \"tracklight: $($script:changed) change(s)\"",
    ]
    return "\n".join(lines) + "\n"
