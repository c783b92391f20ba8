"""The ``totalfact`` command line: a thin face over the services."""
