"""Members: registration, profile and consent, tiers, points, store credit, points events and gifts."""

from shoptui.modules import ModuleSpec, Screen

MODULE = ModuleSpec(
    name="members",
    order=50,
    cli=(
        ("member", "shoptui.cli.members:app"),
        ("tier", "shoptui.cli.members:tier_app"),
    ),
    screens=(Screen("members", "Members", "f6", "shoptui.tui.screens.members:MembersScreen", order=50),),
    settings=("shoptui.services.members_settings:SETTINGS",),
    search=("shoptui.services.members:search_members",),
    dashboard=("shoptui.services.members:dashboard_figures",),
    checks=(
        "shoptui.services.members:check_points_ledger",
        "shoptui.services.members:check_credit_ledger",
        "shoptui.services.members:check_member_contacts",
    ),
    # orders call this for every timeline event of an order (see services.orders.add_event)
    extra={"order_events": "shoptui.services.members:on_order_event"},
)
