"""``python -m totalfact_tui`` runs the ``totalfact`` command."""

from totalfact_tui.cli.launch import main

if __name__ == "__main__":
    main()
