# Install, run, upgrade and uninstall a built ComplaintDesk installer the way an IT person
# does it on a branch PC (silently, from a USB stick), and fail on the first step that does
# not do what it should. Run by .github/workflows/windows.yml on windows-2022; it needs an
# administrator (the installer writes to Program Files).
#
#   pwsh packaging/windows/install_check.ps1 -Installer dist\ComplaintDesk-0.1.0-setup.exe
#
# Steps: silent install; complaintdesk-cli.exe --version, init, demo --cases 200, check and
# --smoke in the default data folder (%LOCALAPPDATA%\ComplaintDesk) and in one under a path
# with Chinese characters and a space; a --data-dir longer than 260 characters refused with
# status 2; a form printed to .docx (and to PDF when LibreOffice is installed); the same
# installer over itself (upgrade) with the data folder byte for byte kept; a silent uninstall
# that removes the program and keeps the data folder.
param(
    [Parameter(Mandatory = $true)][string]$Installer,
    [string]$AppDir = (Join-Path $env:ProgramFiles 'ComplaintDesk')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Installer = (Resolve-Path $Installer).Path
$Cli = Join-Path $AppDir 'complaintdesk-cli.exe'
$Gui = Join-Path $AppDir 'complaintdesk.exe'
$DataDir = Join-Path $env:LOCALAPPDATA 'ComplaintDesk'
$Work = Join-Path $env:RUNNER_TEMP ('cd-check-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory -Force -Path $Work | Out-Null
$Version = (Select-String -Path (Join-Path $PSScriptRoot '..\..\desktop\__init__.py') `
    -Pattern '^__version__ = "([^"]+)"').Matches[0].Groups[1].Value

function Step([string]$Text) { Write-Host "== $Text" }

function Run-Cli {
    # complaintdesk-cli.exe with its arguments; fails unless it exits with $Expect (0).
    param([string[]]$Arguments, [int]$Expect = 0)
    # the CLI says on stderr whom it runs as: not an error (pwsh before 7.2 would stop on it)
    $ErrorActionPreference = 'Continue'
    $out = & $Cli @Arguments 2>&1 | Out-String
    $code = $LASTEXITCODE
    Write-Host $out
    if ($code -ne $Expect) { throw "complaintdesk-cli $($Arguments -join ' ') exited $code (expected $Expect)" }
    return $out
}

function Run-Installer([string[]]$Arguments, [string]$Log) {
    $p = Start-Process -FilePath $Installer -ArgumentList ($Arguments + "/LOG=`"$Log`"") -Wait -PassThru
    if ($p.ExitCode -ne 0) { Get-Content $Log -Tail 40; throw "installer exited $($p.ExitCode)" }
}

function Data-Fingerprint([string]$Dir) {
    # SHA-256 of every file of the database (the .sqlite3 and any -wal/-shm beside it)
    Get-ChildItem -Path $Dir -Filter 'complaintdesk.sqlite3*' | Sort-Object Name |
        ForEach-Object { "$($_.Name) $((Get-FileHash $_.FullName -Algorithm SHA256).Hash)" } |
        Out-String
}

$Silent = @('/VERYSILENT', '/SUPPRESSMSGBOXES', '/NORESTART', '/SP-')

Step "silent install of $Installer"
if (Test-Path $DataDir) { throw "$DataDir exists before the first install: not a clean runner" }
Run-Installer $Silent (Join-Path $Work 'install.log')
foreach ($f in @($Cli, $Gui, (Join-Path $AppDir 'unins000.exe'))) {
    if (-not (Test-Path $f)) { throw "not installed: $f" }
}

Step '--version'
$v = Run-Cli @('--version')
if ($v -notmatch [regex]::Escape("ComplaintDesk $Version")) { throw "--version said '$v', expected $Version" }

Step "init, demo --cases 200, check, --smoke in the default data folder $DataDir"
Run-Cli @('init', '--site', 'W01', '--name', '测试店') | Out-Null
if (-not (Test-Path (Join-Path $DataDir 'complaintdesk.sqlite3'))) { throw "no database in $DataDir" }
$demo = Run-Cli @('demo', '--cases', '200')
$first = [regex]::Match($demo, '编号 ([A-Z0-9]+-\d+-\d+) 至').Groups[1].Value
if (-not $first) { throw 'demo did not say its first case number' }
Run-Cli @('check') | Out-Null
Run-Cli @('--smoke') | Out-Null
$p = Start-Process -FilePath $Gui -ArgumentList '--smoke' -Wait -PassThru
if ($p.ExitCode -ne 0) { throw "complaintdesk.exe --smoke exited $($p.ExitCode)" }

Step 'a data folder under a path with Chinese characters and a space'
$Cn = Join-Path $Work '张 三\AppData\Local\ComplaintDesk'
Run-Cli @('--data-dir', $Cn, 'init', '--site', 'W02', '--name', '张三的店') | Out-Null
Run-Cli @('--data-dir', $Cn, 'demo', '--cases', '20') | Out-Null
Run-Cli @('--data-dir', $Cn, 'check') | Out-Null

Step 'a --data-dir longer than 260 characters is refused with a message (status 2)'
$Long = Join-Path $Work ('x' * 250)
$out = Run-Cli @('--data-dir', $Long, 'init', '--site', 'W03', '--name', 'long') -Expect 2
if ($out -notmatch '260') { throw "the refusal does not say the limit: $out" }

Step "form A of $first as .docx, and as PDF when LibreOffice is installed"
$env:COMPLAINTDESK_NEW_PASSWORD = 'check-Pw1-' + $PID
$env:COMPLAINTDESK_PASSWORD = $env:COMPLAINTDESK_NEW_PASSWORD
Run-Cli @('user', 'add', '--name', 'CI 经理', '--role', '管理员', '--role', '客服经理', 'ci') | Out-Null
$docx = Join-Path $Work 'handling.docx'
$formArgs = @('--user', 'ci', 'form', 'handling', '--case', $first, '--out', $docx)
if (Get-Command soffice -ErrorAction SilentlyContinue) {
    Run-Cli ($formArgs + '--pdf') | Out-Null
    $pdf = [IO.Path]::ChangeExtension($docx, '.pdf')
    if (-not (Test-Path $pdf) -or (Get-Item $pdf).Length -eq 0) { throw "no PDF at $pdf" }
} else {
    Write-Host 'LibreOffice not installed: the PDF step is skipped (run the workflow with libreoffice: true)'
    Run-Cli $formArgs | Out-Null
}
if ((Get-Item $docx).Length -eq 0) { throw "no .docx at $docx" }

Step 'upgrade: the same installer over itself keeps the data folder'
$before = Data-Fingerprint $DataDir
Run-Installer $Silent (Join-Path $Work 'upgrade.log')
$after = Data-Fingerprint $DataDir
if ($before -ne $after) { throw "the data folder changed during the upgrade:`n$before`n$after" }
Run-Cli @('check') | Out-Null
Run-Cli @('--smoke') | Out-Null

Step 'silent uninstall keeps the data folder'
$uninstaller = Join-Path $AppDir 'unins000.exe'
$p = Start-Process -FilePath $uninstaller -ArgumentList ($Silent + "/LOG=`"$(Join-Path $Work 'uninstall.log')`"") -Wait -PassThru
if ($p.ExitCode -ne 0) { throw "uninstaller exited $($p.ExitCode)" }
# The uninstaller runs on from a copy in %TEMP% after the original exits: wait for it.
$deadline = (Get-Date).AddMinutes(3)
while ((Test-Path $Gui) -or (Test-Path $uninstaller)) {
    if ((Get-Date) -gt $deadline) { throw "still installed 3 minutes after the uninstall: $AppDir" }
    Start-Sleep -Seconds 2
}
if (-not (Test-Path (Join-Path $DataDir 'complaintdesk.sqlite3'))) { throw "the uninstall removed $DataDir" }
if ((Data-Fingerprint $DataDir) -ne $after) { throw 'the uninstall changed the data folder' }
Write-Host 'install check: all passed'
