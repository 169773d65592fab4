"""`backcheck audit FILE.yaml [--json] [--record]`, exactly as the contract describes."""
from __future__ import annotations

import sys
from pathlib import Path

from assistant.config import Settings
from assistant.dialog.audit import AuditFileError, format_results, load_vignettes, run_audit
from assistant.nlu.language import Language


def audit_command(lang: Language, path: Path, *, as_json: bool, record: bool, settings: Settings) -> int:
    """Exit 0 when every vignette gets its level, 1 when any misses, 2 when the file is unusable."""
    from assistant.output import dump_json

    try:
        vignettes = load_vignettes(path)
    except AuditFileError as exc:
        print(f"backcheck audit: {exc}", file=sys.stderr)
        return 2
    results = run_audit(lang, vignettes)
    if as_json:
        for r in results:
            dump_json(r.as_json())
    else:
        print(format_results(results))
    if record:
        from assistant.dialog.saving import record_audit

        note = record_audit(lang, settings, results)
        print(note, file=sys.stderr)
    return 0 if all(r.passed for r in results) else 1
