"""``python -m geo.cli``: the same as the ``geo`` command."""

from geo.cli.main import main

raise SystemExit(main())
