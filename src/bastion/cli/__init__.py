"""The ``bastion`` command line (Typer): thin wrappers over :mod:`bastion.api`."""

# every Typer app of the command line: plain click help (typer's rich help formatter imports
# rich.markdown and markdown_it, ~0.15 s of start-up; issue 17), at most 110 columns wide
PLAIN_HELP = {"rich_markup_mode": None, "context_settings": {"max_content_width": 110}}
