"""Finding a Chromium that Playwright can drive, and launching it quietly.

Order of preference: a browser Playwright installed itself (on a researcher's machine after `playwright
install chromium`); else a system Chromium or Chrome on the PATH (the Debian `chromium` package in CI); else,
only when asked to set up (`python -m crawler.browser --ensure`, which `make` runs): on Debian or Ubuntu as
root, `apt-get install chromium`; otherwise `playwright install chromium`. The launch flags keep Chromium from
making connections of its own (updates, sync, field trials), and add --no-sandbox when running as root.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

QUIET_FLAGS = ["--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
               "--disable-default-apps", "--disable-quic", "--disable-gpu", "--metrics-recording-only",
               "--disable-features=Translate,OptimizationHints,MediaRouter"]
SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def _playwright_cache() -> list[Path]:
    roots = []
    if os.environ.get("PLAYWRIGHT_BROWSERS_PATH") not in (None, "", "0"):
        roots.append(Path(os.environ["PLAYWRIGHT_BROWSERS_PATH"]))
    roots += [Path.home() / ".cache" / "ms-playwright", Path.home() / "Library" / "Caches" / "ms-playwright",
              Path(os.environ.get("LOCALAPPDATA", "")) / "ms-playwright"]
    return roots


def playwright_browser() -> str | None:
    """A Chromium that `playwright install` put in its cache, if any."""
    patterns = ["chromium-*/chrome-linux*/chrome", "chromium-*/chrome-mac*/Chromium.app/Contents/MacOS/Chromium",
                "chromium-*/chrome-win*/chrome.exe", "chromium_headless_shell-*/chrome-*/headless_shell"]
    for root in _playwright_cache():
        for pat in patterns:
            found = sorted(glob.glob(str(root / pat)), reverse=True)
            if found:
                return found[0]
    return None


def system_browser() -> str | None:
    for name in SYSTEM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def find_chromium() -> str | None:
    """The path of a usable Chromium, or None."""
    env = os.environ.get("EGOV_SURVEY_CHROMIUM")
    if env and Path(env).exists():
        return env
    return playwright_browser() or system_browser()


def launch_options(headless: bool = True) -> dict:
    """Keyword arguments for `playwright.chromium.launch` (raises RuntimeError if there is no browser)."""
    exe = find_chromium()
    if exe is None:
        raise RuntimeError("no Chromium found: run `make setup` (or `python -m crawler.browser --ensure`) to install one, "
                           "or set EGOV_SURVEY_CHROMIUM to the path of a Chromium or Chrome executable")
    args = list(QUIET_FLAGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to start its sandbox as root (CI containers run as root)
    return {"executable_path": exe, "headless": headless, "args": args}


def _debian_like() -> bool:
    try:
        text = Path("/etc/os-release").read_text()
    except OSError:
        return False
    return any(f"ID={d}" in text or f"ID_LIKE={d}" in text or f'ID_LIKE="{d}' in text for d in ("debian", "ubuntu"))


def ensure_chromium() -> str:
    """Find a Chromium, installing one if needed; return its path (exits non-zero if impossible)."""
    exe = find_chromium()
    if exe:
        return exe
    if _debian_like() and hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("egov-survey: installing the Debian chromium package (apt-get install chromium)...", file=sys.stderr)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
    else:
        print("egov-survey: installing Playwright's Chromium (playwright install chromium)...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"], check=True)
    exe = find_chromium()
    if not exe:
        sys.exit("egov-survey: could not find or install a Chromium; install Chrome or Chromium and retry")
    return exe


if __name__ == "__main__":
    if "--ensure" in sys.argv:
        print(ensure_chromium())
    else:
        print(find_chromium() or "no Chromium found")
