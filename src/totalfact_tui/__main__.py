"""``python -m totalfact_tui`` runs the ``totalfact`` command."""

from totalfact_tui.cli.app import main

if __name__ == "__main__":
    main()
