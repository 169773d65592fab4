"""Allow `python -m assistant` to behave exactly like the `backcheck` command."""
from assistant.cli import main

raise SystemExit(main())
