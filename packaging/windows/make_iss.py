"""Fill packaging/windows/complaintdesk.iss.in with the package version (the Picard habit:
an installer script made from a template). Writes build/complaintdesk.iss."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    version = re.search(
        r'__version__ = "([^"]+)"', (ROOT / "desktop" / "__init__.py").read_text(encoding="utf-8")
    ).group(1)
    numeric = ".".join((re.findall(r"\d+", version) + ["0"] * 4)[:4])
    text = (ROOT / "packaging" / "windows" / "complaintdesk.iss.in").read_text(encoding="utf-8")
    text = (
        text.replace("@VERSION_NUMERIC@", numeric)
        .replace("@VERSION@", version)
        .replace("@SRC_ROOT@", str(ROOT))
    )
    out = ROOT / "build" / "complaintdesk.iss"
    out.parent.mkdir(parents=True, exist_ok=True)
    # Inno Setup 6 reads a UTF-8 script when it starts with a byte-order mark.
    out.write_text(text, encoding="utf-8-sig")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
