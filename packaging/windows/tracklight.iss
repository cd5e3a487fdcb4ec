; Inno Setup script: turns the PyInstaller bundle (dist\tracklight\) into tracklight-<version>-windows-x64-setup.exe.
; Build the bundle first (packaging\build-bundle.sh in Git Bash), then from the repository root:
;   iscc /DAppVersion=0.1.0 packaging\windows\tracklight.iss
; See packaging\windows\README.md. Installs per user by default (no administrator needed); an administrator can
; choose "install for all users" in the first dialog, or pass /ALLUSERS for a silent fleet install.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Tracklight"
; One id everywhere: the desktop file, AppStream, Flatpak, the macOS bundle and this installer.
#define AppId "io.github.tracklight.Tracklight"

[Setup]
AppId={#AppId}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=The Tracklight contributors
AppPublisherURL=https://github.com/tracklight/tracklight
AppSupportURL=https://github.com/tracklight/tracklight/issues
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=tracklight-{#AppVersion}-windows-x64-setup
UninstallDisplayIcon={app}\tracklight-gui.exe
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; The PATH task changes the user's environment; tell running programs.
ChangesEnvironment=yes
; A running tray would hold its files open; the installer offers to close it.
CloseApplications=yes

[Tasks]
Name: "startup"; Description: "Start Tracklight when I sign in"
Name: "addtopath"; Description: "Add the tracklight command to my PATH (for the command line)"; Flags: unchecked

[Files]
Source: "..\..\dist\tracklight\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; tracklight-gui.exe is the windowed build of the same program: no console window opens with the tray.
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\tracklight-gui.exe"; Parameters: "tray"; Comment: "See which installed software tracks you, and switch it off"
Name: "{userstartup}\{#AppName}"; Filename: "{app}\tracklight-gui.exe"; Parameters: "tray"; Tasks: startup

[Registry]
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NotOnUserPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\tracklight-gui.exe"; Parameters: "tray"; Description: "Start Tracklight now"; Flags: nowait postinstall skipifsilent

[Code]
function UserPath(): String;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Result) then
    Result := '';
end;

function NotOnUserPath(Folder: String): Boolean;
begin
  Result := Pos(';' + Uppercase(Folder) + ';', ';' + Uppercase(UserPath()) + ';') = 0;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Path, Folder: String;
  Start: Integer;
begin
  { Take our folder back out of the user's PATH; the opt-outs Tracklight wrote stay (undo them in the app first). }
  if CurUninstallStep = usPostUninstall then
  begin
    Path := UserPath();
    Folder := ExpandConstant('{app}');
    Start := Pos(';' + Uppercase(Folder), Uppercase(Path));
    if Start > 0 then
    begin
      Delete(Path, Start, Length(Folder) + 1);
      RegWriteExpandStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path);
    end;
  end;
end;
