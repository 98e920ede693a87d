"""Staff accounts and security: accounts and roles, logins and tokens, two-factor, allowed networks."""

from shoptui.modules import Command, ModuleSpec, Screen

MODULE = ModuleSpec(
    name="staff",
    order=96,
    cli=(Command("staff", "shoptui.cli.staff:app",
                 "Staff accounts, roles and permissions, API tokens, PINs and two-factor."),),
    # its settings (security: passwords, lockout, idle lock ...) are listed by the core module: every face signs in
    # (F11 is the shell's switch user)
    screens=(Screen("staff", "Staff", "f12", "shoptui.tui.screens.staff.screen:StaffScreen", order=96),),
)
