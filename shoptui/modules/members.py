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
    screens=(Screen("members", "Members", "f6", "shoptui.tui.screens.members.screen:MembersScreen", order=50),),
    settings=("shoptui.services.members.settings:SETTINGS",),
    search=("shoptui.services.members.profiles:search_members",),
    dashboard=("shoptui.services.members.figures:dashboard_figures",),
    checks=(
        "shoptui.services.members.profiles:check_points_ledger",
        "shoptui.services.members.profiles:check_credit_ledger",
        "shoptui.services.members.profiles:check_member_contacts",
        "shoptui.services.members.profiles:check_contact_claims",
    ),
    # orders call this for every timeline event of an order (see services.orders.common.add_event)
    extra={"order_events": "shoptui.services.members.profiles:on_order_event",
           # documents ask this for the points line of a receipt (see services.orders.documents.receipt_points)
           "order_points": "shoptui.services.members.profiles:points_of_order"},
)
