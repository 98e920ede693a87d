"""The shell's own module: dashboard, settings, audit log, notifications, outbox, the store."""

from shoptui.modules import Command, ModuleSpec, Screen

MODULE = ModuleSpec(
    name="core",
    order=0,
    cli=(
        Command("db", "shoptui.cli.store:db_app", "The store itself: information, upgrade, checks and backups."),
        Command("settings", "shoptui.cli.store:settings_app",
                "Store settings: name, contact, currency, time zone, email and SMS."),
        Command("audit", "shoptui.cli.store:audit_app",
                "The audit log: who changed what, from where, before and after."),
        Command("notification", "shoptui.cli.store:notification_app",
                "The notification centre (low stock, failed sends, ...)."),
        Command("outbox", "shoptui.cli.outbox:app", "The messaging outbox: list, send and retry email and SMS."),
    ),
    screens=(
        Screen("dashboard", "Dashboard", "ctrl+o", "shoptui.tui.screens.dashboard:DashboardScreen", order=0,
               short="Home"),
        Screen("audit", "Audit log", "f9", "shoptui.tui.screens.audit:AuditScreen", order=90, short="Audit",
               permissions=("audit.view",)),
        Screen("settings", "Settings", "f10", "shoptui.tui.screens.settings:SettingsScreen", order=95),
    ),
    # the security settings are the shell's: every face signs in, whichever modules are installed
    settings=("shoptui.services.shop.setting_defs:CORE_SETTINGS", "shoptui.services.messaging.settings:SETTINGS",
              "shoptui.services.staff.settings:SETTINGS"),
    dashboard=("shoptui.services.shop.dashboard:notification_figures",),
    checks=("shoptui.services.shop.media:check_media",),
)
