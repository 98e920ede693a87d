"""Staff accounts and security: accounts and roles, logins and tokens, two-factor, allowed networks."""

from shoptui.modules import Command, ModuleSpec, Screen

MODULE = ModuleSpec(
    name="staff",
    order=96,
    cli=(Command("staff", "shoptui.cli.staff:app",
                 "Staff accounts, roles and permissions, API tokens, PINs and two-factor."),),
    screens=(Screen("staff", "Staff", "f11", "shoptui.tui.screens.staff.screen:StaffScreen", order=96),),
    settings=("shoptui.services.staff.settings:SETTINGS",),
)
