"""Members: registration, profile and consent, tiers, points, store credit, points events and gifts."""

from shoptui.modules import Command, ModuleSpec, Screen

MODULE = ModuleSpec(
    name="members",
    order=50,
    cli=(
        Command("member", "shoptui.cli.members:app",
                "Members: add, list, show, edit, merge, points, store credit, tiers recalculation."),
        Command("tier", "shoptui.cli.members:tier_app", "Member tiers: list, edit, add."),
    ),
    screens=(Screen("members", "Members", "f6", "shoptui.tui.screens.members:MembersScreen", order=50),),
    settings=("shoptui.services.members_settings:SETTINGS",),
    search=("shoptui.services.members:search_members",),
    dashboard=("shoptui.services.members_figures:dashboard_figures",),
    checks=(
        "shoptui.services.members:check_points_ledger",
        "shoptui.services.members:check_credit_ledger",
        "shoptui.services.members:check_member_contacts",
    ),
    # orders call this for every timeline event of an order (see services.orders.add_event)
    extra={"order_events": "shoptui.services.members:on_order_event",
           # documents ask this for the points line of a receipt (see services.documents.receipt_points)
           "order_points": "shoptui.services.members:points_of_order"},
)
