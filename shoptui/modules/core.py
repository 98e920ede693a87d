"""The shell's own module: dashboard, settings, audit log, notifications, outbox, the store."""

from shoptui.modules import ModuleSpec, Screen

MODULE = ModuleSpec(
    name="core",
    order=0,
    cli=(
        ("db", "shoptui.cli.store:db_app"),
        ("settings", "shoptui.cli.store:settings_app"),
        ("audit", "shoptui.cli.store:audit_app"),
        ("notification", "shoptui.cli.store:notification_app"),
        ("outbox", "shoptui.cli.outbox:app"),
    ),
    screens=(
        Screen("dashboard", "Dashboard", "ctrl+o", "shoptui.tui.screens.dashboard:DashboardScreen", order=0),
        Screen("audit", "Audit log", "f9", "shoptui.tui.screens.audit:AuditScreen", order=90),
        Screen("settings", "Settings", "f10", "shoptui.tui.screens.settings:SettingsScreen", order=95),
    ),
    settings=("shoptui.services.setting_defs:CORE_SETTINGS", "shoptui.services.messaging_settings:SETTINGS"),
    dashboard=("shoptui.services.notifications:dashboard_figures",),
)
