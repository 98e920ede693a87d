"""The command-line face: one Typer app per module, registered through ``shoptui.modules``."""
