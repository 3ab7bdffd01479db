"""The ``bastion`` command line (Typer): thin wrappers over :mod:`bastion.api`."""
