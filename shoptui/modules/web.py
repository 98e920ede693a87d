"""The browser face: ``shoptui serve`` runs the same app for web browsers (a tablet at the counter)."""

from shoptui.modules import Command, ModuleSpec

MODULE = ModuleSpec(
    name="web",
    order=200,
    cli=(
        Command(
            "serve",
            "shoptui.cli.serve:app",
            "Serve the app to web browsers on this network (a tablet at the counter), behind the same login.",
        ),
    ),
)
